using Microsoft.Extensions.AI;
using SlotSharp.Chat.Tools;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Generation;
using SlotSharp.Generation.Constraints;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;

namespace SlotSharp.Extensions.AI;

/// <summary>A request the engine can run, the stop sequences the client cuts the text at, and what it does with tools.</summary>
internal sealed record MappedRequest(ChatGenerationRequest Request, IReadOnlyList<string> StopSequences)
{
    public ToolPlan Tools { get; init; } = ToolPlan.NoTools;
}

/// <summary>
/// Turns Microsoft.Extensions.AI messages and ChatOptions into SlotSharp settings. Everything SlotSharp cannot honour
/// (non-text content other than function calls and results, tools the model's template cannot render, penalties it
/// does not implement, JSON schemas with unsupported keywords) is refused with a message naming the option, instead of being silently
/// ignored.
/// </summary>
internal static class ChatRequestMapper
{
    const string RepetitionPenaltyKey = "repetition_penalty";
    const string AllowLongContextKey = "allow_long_context";
    internal const string LogprobsKey = "logprobs";
    const string TopLogprobsKey = "top_logprobs";

    public static MappedRequest Map(IEnumerable<ChatMessage> messages, ChatOptions? options, IChatGenerator engine, SlotChatClientOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = Messages(messages, options?.Instructions);
        if (options?.ModelId is { } model && model != engine.ModelId)
            throw new SlotSharpException($"ChatOptions.ModelId is \"{model}\" but this client serves \"{engine.ModelId}\"");
        var tools = ChatToolMapper.Plan(options, engine.Template);
        var generation = Generation(options, engine, defaults);
        var slot = SlotChatProperties.Read(options?.AdditionalProperties, defaults.Slot);
        var stops = options?.StopSequences?.ToArray() ?? [];
        if (stops.Any(string.IsNullOrEmpty)) throw new SlotSharpException("ChatOptions.StopSequences holds an empty string");
        var request = new ChatGenerationRequest(conversation, generation, slot)
        {
            StopSequences = stops, Tools = tools.RenderTools, Logprobs = Logprobs(options?.AdditionalProperties),
            Constraint = Constraint(options),
        };
        return new MappedRequest(request, stops) { Tools = tools };
    }

    /// <summary>
    /// OpenAI's logprobs / top_logprobs as AdditionalProperties (the chat client has no typed option for them):
    /// "logprobs": true records each token's log-probability, "top_logprobs": k (0 to 20, needs logprobs) its k
    /// alternatives. The values come back in the response message's AdditionalProperties["logprobs"].
    /// </summary>
    static int? Logprobs(IReadOnlyDictionary<string, object?>? extra)
    {
        bool on = extra != null && extra.TryGetValue(LogprobsKey, out var l) && PropertyValues.ToBool(l, LogprobsKey);
        int? top = extra != null && extra.TryGetValue(TopLogprobsKey, out var t) ? PropertyValues.ToInt(t, TopLogprobsKey) : null;
        if (top is < 0 or > SlotSharp.Generation.Logprobs.MaxTop)
            throw new SlotSharpException($"ChatOptions.AdditionalProperties[\"{TopLogprobsKey}\"] must lie in [0, {SlotSharp.Generation.Logprobs.MaxTop}], got {top}");
        if (top != null && !on)
            throw new SlotSharpException($"ChatOptions.AdditionalProperties[\"{TopLogprobsKey}\"] needs AdditionalProperties[\"{LogprobsKey}\"] = true");
        return on ? top ?? 0 : null;
    }

    static List<SlotChatMessage> Messages(IEnumerable<ChatMessage> messages, string? instructions)
    {
        var result = new List<SlotChatMessage>();
        // As Microsoft.Extensions.AI's OpenAI client does: instructions become a leading system message.
        if (!string.IsNullOrEmpty(instructions)) result.Add(SlotChatMessage.System(instructions));
        int index = 0;
        foreach (var m in messages) Add(result, m, index++);
        if (result.Count == 0) throw new SlotSharpException("the chat has no messages");
        return result;
    }

    /// <summary>
    /// One message: text, an assistant's function calls (the template's tool_calls) or a tool message's function
    /// results (one "tool" message each, as Microsoft.Extensions.AI's OpenAI client sends them).
    /// </summary>
    static void Add(List<SlotChatMessage> result, ChatMessage m, int index)
    {
        if (m.Role == ChatRole.Tool)
        {
            foreach (var content in m.Contents)
                result.Add(content is FunctionResultContent r ? ChatToolMapper.Result(r) : throw Refused(index, "tool", content));
            if (!m.Contents.Any()) throw new SlotSharpException($"message {index} (tool) holds no FunctionResultContent");
            return;
        }
        var role = m.Role == ChatRole.System ? "system" : m.Role == ChatRole.User ? "user" : m.Role == ChatRole.Assistant ? "assistant"
            : throw new SlotSharpException($"message {index} has role '{m.Role}'; SlotChatClient accepts system, user, assistant and tool messages");
        var text = new System.Text.StringBuilder();
        var calls = new List<ToolCall>();
        foreach (var content in m.Contents)
        {
            if (content is TextContent t) text.Append(t.Text);
            else if (content is FunctionCallContent c && role == "assistant") calls.Add(ChatToolMapper.Call(c));
            else throw Refused(index, role, content);
        }
        result.Add(calls.Count > 0 ? SlotChatMessage.AssistantToolCalls(calls, text.ToString()) : new SlotChatMessage(role, text.ToString()));
    }

    static SlotSharpException Refused(int index, string role, AIContent content) => new(
        $"message {index} ({role}) holds {content.GetType().Name}; SlotChatClient accepts text content, function calls in "
        + "assistant messages and function results in tool messages");

    /// <summary>
    /// ChatOptions.ResponseFormat: Json with a schema decodes under that JSON Schema (what GetResponseAsync&lt;T&gt;
    /// asks for), Json without one under JSON mode (any object), text unconstrained. A schema the compiler refuses is
    /// an error naming the keyword.
    /// </summary>
    static OutputConstraint? Constraint(ChatOptions? options)
    {
        if (options?.ResponseFormat is not ChatResponseFormatJson json) return null;
        try
        {
            return json.Schema is { } schema ? OutputConstraint.JsonSchema(schema.GetRawText()) : OutputConstraint.JsonObject();
        }
        catch (SlotSharpException e) { throw new SlotSharpException($"ChatOptions.ResponseFormat: {e.Message}", e); }
    }

    static GenerationOptions Generation(ChatOptions? options, IChatGenerator engine, SlotChatClientOptions defaults)
    {
        var extra = options?.AdditionalProperties;
        long seed = options?.Seed ?? 0;
        if (seed is < int.MinValue or > int.MaxValue) throw new SlotSharpException($"ChatOptions.Seed must fit in 32 bits, got {seed}");
        var generation = new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? defaults.MaxOutputTokens,
            Temperature = options?.Temperature ?? 0,
            TopP = options?.TopP ?? 1.0,
            TopK = options?.TopK ?? 0,
            Seed = (int)seed,
            // OpenAI's penalties, as the server applies them (generated tokens only).
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
            RepetitionPenalty = extra != null && extra.TryGetValue(RepetitionPenaltyKey, out var rp)
                ? PropertyValues.ToDouble(rp, RepetitionPenaltyKey) : engine.DefaultRepetitionPenalty,
            AllowLongContext = extra != null && extra.TryGetValue(AllowLongContextKey, out var lc)
                ? PropertyValues.ToBool(lc, AllowLongContextKey) : defaults.AllowLongContext,
        };
        generation.Validate(OptionName);
        return generation;
    }

    /// <summary>The ChatOptions spelling of a GenerationOptions setting, for validation messages.</summary>
    static string OptionName(string setting) => setting switch
    {
        "max-new-tokens" => "ChatOptions.MaxOutputTokens",
        "temperature" => "ChatOptions.Temperature",
        "top-k" => "ChatOptions.TopK",
        "top-p" => "ChatOptions.TopP",
        "repetition-penalty" => $"ChatOptions.AdditionalProperties[\"{RepetitionPenaltyKey}\"]",
        "frequency-penalty" => "ChatOptions.FrequencyPenalty",
        "presence-penalty" => "ChatOptions.PresencePenalty",
        _ => setting,
    };
}
