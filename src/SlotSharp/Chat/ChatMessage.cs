using System.Text.Json;
using SlotSharp.Chat.Tools;

namespace SlotSharp.Chat;

/// <summary>
/// One chat turn. <see cref="ToolCalls"/> and <see cref="ToolCallId"/> carry tool calling (build them with
/// <see cref="AssistantToolCalls"/> and <see cref="Tool"/>). <see cref="Extra"/> carries any further fields templates
/// read (reasoning_content, name, ...) as template values (see <see cref="TemplateValues"/>); an entry in Extra
/// replaces the field of the same name, e.g. "content" for structured (non-string) content.
/// </summary>
public sealed record ChatMessage(string Role, string? Content)
{
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    /// <summary>The function calls of an assistant turn (the template's message.tool_calls); null for none.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>The call a "tool" message answers (the template's message.tool_call_id); null for none.</summary>
    public string? ToolCallId { get; init; }

    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);

    /// <summary>
    /// An assistant turn that called functions, with any text it wrote before them (null or empty for none: each
    /// template then gets the empty content it expects, "" or None).
    /// </summary>
    public static ChatMessage AssistantToolCalls(IReadOnlyList<ToolCall> calls, string? content = null)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0) throw new ArgumentException("an assistant tool-call turn needs at least one call", nameof(calls));
        return new("assistant", content) { ToolCalls = calls };
    }

    /// <summary>A function's result, answering the call <paramref name="toolCallId"/> (role "tool").</summary>
    public static ChatMessage Tool(string content, string? toolCallId = null) => new("tool", content) { ToolCallId = toolCallId };

    /// <summary>A message from a JSON object like {"role": ..., "content": ..., "tool_calls": [...]}.</summary>
    internal static ChatMessage FromJson(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
            throw new SlotSharpException($"a chat message must be a JSON object, got {message.ValueKind}");
        if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            throw new SlotSharpException("a chat message needs a string field 'role'");
        string? content = null;
        var extra = new Dictionary<string, object?>();
        foreach (var p in message.EnumerateObject())
        {
            if (p.Name == "role") continue;
            if (p.Name == "content" && p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null)
                content = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            else extra[p.Name] = TemplateValues.FromJson(p.Value);
        }
        return new ChatMessage(role.GetString()!, content) { Extra = extra };
    }

    /// <summary>
    /// The dict the template sees: role, content, tool_calls and tool_call_id when set, then the extra fields in their
    /// order. <paramref name="shape"/> is how this template wants tool calls (<see cref="ToolCallShape"/>).
    /// </summary>
    internal OrderedDictionary<string, object?> ToTemplateValue(ToolCallShape? shape = null)
    {
        var d = new OrderedDictionary<string, object?> { ["role"] = Role, ["content"] = Content };
        if (ToolCalls is { Count: > 0 } calls)
        {
            shape ??= ToolCallShape.Default;
            if (string.IsNullOrEmpty(Content)) d["content"] = shape.NullContent ? null : "";
            d["tool_calls"] = calls.Select(c => (object?)c.ToTemplateValue(shape.ArgumentsAsText)).ToList();
        }
        if (ToolCallId != null) d["tool_call_id"] = ToolCallId;
        foreach (var kv in Extra) d[kv.Key] = TemplateValues.From(kv.Value);
        return d;
    }
}
