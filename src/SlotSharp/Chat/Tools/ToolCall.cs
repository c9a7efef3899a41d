using System.Text.Json;

namespace SlotSharp.Chat.Tools;

/// <summary>
/// One function call of an assistant turn, in OpenAI's terms: the call's id, the function's name and its arguments as
/// JSON text (OpenAI's wire form, e.g. <c>{"city": "Paris"}</c>). Build an assistant turn that made calls with
/// <see cref="ChatMessage.AssistantToolCalls"/> and answer each with <see cref="ChatMessage.Tool"/>; the chat template
/// then sees them the way transformers and vLLM pass them (docs/tools.md).
/// </summary>
public sealed record ToolCall(string Id, string Name, string Arguments)
{
    /// <summary>
    /// The dict a template sees: {"id", "type": "function", "function": {"name", "arguments"}}. Templates read the
    /// arguments as a mapping (Qwen2.5 and Llama 3.1 apply tojson, as transformers' docs ask and vLLM passes them),
    /// except DeepSeek-R1-Distill's, which concatenates them as text: <paramref name="argumentsAsText"/> picks the form.
    /// </summary>
    internal OrderedDictionary<string, object?> ToTemplateValue(bool argumentsAsText) => new()
    {
        ["id"] = Id,
        ["type"] = "function",
        ["function"] = new OrderedDictionary<string, object?>
        {
            ["name"] = Name,
            ["arguments"] = argumentsAsText ? ArgumentsText() : ParsedArguments(),
        },
    };

    // vLLM treats absent or empty arguments as {} (a call without parameters).
    string ArgumentsText() => string.IsNullOrWhiteSpace(Arguments) ? "{}" : Arguments;

    object? ParsedArguments()
    {
        try
        {
            using var doc = JsonDocument.Parse(ArgumentsText());
            return TemplateValues.FromJson(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new SlotSharpException($"the arguments of tool call '{Id}' ({Name}) are not valid JSON: {e.Message}", e);
        }
    }
}
