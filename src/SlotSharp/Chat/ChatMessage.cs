using System.Text.Json;

namespace SlotSharp.Chat;

/// <summary>
/// One chat turn. <see cref="Extra"/> carries any further fields templates read (tool_calls, reasoning_content,
/// name, ...) as template values (see <see cref="TemplateValues"/>); an "content" entry in Extra replaces
/// <see cref="Content"/>, which is how structured (non-string) content is passed.
/// </summary>
public sealed record ChatMessage(string Role, string? Content)
{
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);

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

    /// <summary>The dict the template sees: role, content, then the extra fields in their order.</summary>
    internal OrderedDictionary<string, object?> ToTemplateValue()
    {
        var d = new OrderedDictionary<string, object?> { ["role"] = Role, ["content"] = Content };
        foreach (var kv in Extra) d[kv.Key] = TemplateValues.From(kv.Value);
        return d;
    }
}
