using System.Text.Json;
using Microsoft.Extensions.AI;
using SlotSharp.Chat;
using SlotSharp.Chat.Tools;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;

namespace SlotSharp.Extensions.AI;

/// <summary>
/// Tool calling between Microsoft.Extensions.AI and the core (docs/chat-client.md, "Tools"): ChatOptions.Tools and
/// ToolMode become a <see cref="ToolPlan"/> (the core's one decision, <see cref="ToolCalling.Plan"/>), function calls
/// and results in the conversation become the template's tool_calls and "tool" messages, and parsed calls become
/// <see cref="FunctionCallContent"/>.
/// </summary>
internal static class ChatToolMapper
{
    public static ToolPlan Plan(ChatOptions? options, ChatTemplate template)
    {
        var tools = new List<ToolDefinition>();
        for (int i = 0; i < (options?.Tools?.Count ?? 0); i++)
        {
            tools.Add(options!.Tools![i] is AIFunctionDeclaration f
                ? ToolDefinition.Function(f.Name, string.IsNullOrEmpty(f.Description) ? null : f.Description, f.JsonSchema)
                : throw new SlotSharpException(
                    $"ChatOptions.Tools[{i}] is a {options.Tools[i].GetType().Name}; SlotChatClient offers functions (AIFunctionDeclaration) only"));
        }
        var choice = options?.ToolMode switch
        {
            null or AutoChatToolMode => ToolChoice.Auto,
            NoneChatToolMode => ToolChoice.None,
            RequiredChatToolMode { RequiredFunctionName: null } => ToolChoice.Required,
            RequiredChatToolMode r => ToolChoice.Function(r.RequiredFunctionName),
            var other => throw new SlotSharpException($"ChatOptions.ToolMode {other.GetType().Name} is not supported"),
        };
        try { return ToolCalling.Plan(template, tools, choice); }
        catch (ToolRequestException e)
        {
            var option = e.TopLevelField == "tool_choice" ? "ChatOptions.ToolMode" : "ChatOptions.Tools";
            throw new SlotSharpException($"{option}: {e.Reason}", e);
        }
    }

    /// <summary>An assistant message's function calls, with their arguments as JSON text.</summary>
    public static ToolCall Call(FunctionCallContent call) =>
        new(call.CallId, call.Name, call.Arguments == null ? "{}" : JsonSerializer.Serialize(call.Arguments, ArgumentsType));

    /// <summary>
    /// A function's result as the "tool" message's text: a string (or JSON string) as is, so the template shows the
    /// words rather than a quoted literal; anything else as JSON, as Microsoft.Extensions.AI's OpenAI client sends it.
    /// </summary>
    public static SlotChatMessage Result(FunctionResultContent result)
    {
        var text = result.Result switch
        {
            null => "",
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
            JsonElement e => e.GetRawText(),
            var other => JsonSerializer.Serialize(other, CompactOptions.GetTypeInfo(typeof(object))),
        };
        return SlotChatMessage.Tool(text, result.CallId);
    }

    /// <summary>A parsed call as Microsoft.Extensions.AI's content, arguments as a dictionary of JSON values.</summary>
    public static FunctionCallContent Content(ToolCall call) =>
        FunctionCallContent.CreateFromParsedArguments(call.Arguments, call.Id, call.Name, ParseArguments);

    static IDictionary<string, object?>? ParseArguments(string json)
    {
        // The parsers only report calls whose arguments are a JSON object.
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }

    // Compact, as OpenAI writes arguments (AIJsonUtilities' defaults indent, which a template showing the text would keep).
    static readonly JsonSerializerOptions CompactOptions = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    static System.Text.Json.Serialization.Metadata.JsonTypeInfo ArgumentsType => CompactOptions.GetTypeInfo(typeof(IDictionary<string, object?>));
}
