using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Chat.Tools;

/// <summary>Tool calls in OpenAI's JSON: a response's message.tool_calls, streamed deltas, and a request's assistant messages.</summary>
internal static class ToolCallJson
{
    /// <summary>One entry of a response's message.tool_calls: {"id", "type": "function", "function": {"name", "arguments"}}.</summary>
    public static JsonObject ToOpenAi(ToolCall call) => new()
    {
        ["id"] = call.Id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
    };

    /// <summary>A response's message.tool_calls.</summary>
    public static JsonArray ToOpenAi(IEnumerable<ToolCall> calls) => new(calls.Select(c => (JsonNode?)ToOpenAi(c)).ToArray());

    /// <summary>
    /// One entry of a stream chunk's delta.tool_calls carrying a whole call: {"index", "id", "type": "function",
    /// "function": {"name", "arguments"}}. OpenAI sends the arguments in later pieces; one piece is the same to its SDKs,
    /// which append the arguments of each index.
    /// </summary>
    public static JsonObject ToOpenAiDelta(int index, ToolCall call)
    {
        var delta = new JsonObject { ["index"] = index };
        foreach (var (key, value) in ToOpenAi(call)) delta[key] = value?.DeepClone();
        return delta;
    }

    /// <summary>
    /// The tool_calls of a request's assistant message (<paramref name="path"/> names it, e.g. "messages[2].tool_calls"):
    /// function calls with an id, a name and arguments as a JSON string (OpenAI's form) or an object.
    /// </summary>
    public static IReadOnlyList<ToolCall> FromOpenAi(JsonNode? toolCalls, string path)
    {
        if (toolCalls is not JsonArray list) throw new ToolRequestException(path, "must be a list of tool calls");
        var calls = new List<ToolCall>();
        for (int i = 0; i < list.Count; i++)
        {
            var at = $"{path}[{i}]";
            if (list[i] is not JsonObject o) throw new ToolRequestException(at, "must be an object");
            if (o["type"] is { } type && (type.GetValueKind() != JsonValueKind.String || type.GetValue<string>() != "function"))
                throw new ToolRequestException($"{at}.type", "must be \"function\"");
            var id = o["id"] is JsonValue idValue && idValue.GetValueKind() == JsonValueKind.String ? idValue.GetValue<string>()
                : throw new ToolRequestException($"{at}.id", "must be a string");
            if (o["function"] is not JsonObject f) throw new ToolRequestException($"{at}.function", "must be an object");
            if (f["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String || name.GetValue<string>().Length == 0)
                throw new ToolRequestException($"{at}.function.name", "must be a non-empty string");
            calls.Add(new ToolCall(id, name.GetValue<string>(), Arguments(f["arguments"], $"{at}.function.arguments")));
        }
        return calls;
    }

    static string Arguments(JsonNode? arguments, string path)
    {
        switch (arguments)
        {
            case null: return "{}";
            case JsonObject o: return o.ToJsonString();
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = v.GetValue<string>();
                if (string.IsNullOrWhiteSpace(text)) return "{}";
                try { JsonDocument.Parse(text).Dispose(); }
                catch (JsonException) { throw new ToolRequestException(path, "must hold valid JSON"); }
                return text;
            default: throw new ToolRequestException(path, "must be a JSON string (or an object)");
        }
    }
}
