using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Chat.Tools;

/// <summary>
/// A function offered to the model: its name, and the OpenAI tool object the template renders,
/// {"type": "function", "function": {"name", "description", "parameters"}}, as transformers' apply_chat_template and
/// vLLM pass tools (Qwen's template prints each with tojson, Llama 3.1's with tojson(indent=4)).
/// </summary>
internal sealed record ToolDefinition(string Name, OrderedDictionary<string, object?> TemplateValue)
{
    /// <summary>A function tool from its parts (the chat client's AIFunction declarations); absent parts are left out.</summary>
    public static ToolDefinition Function(string name, string? description, JsonElement? parameters)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("a function needs a name", nameof(name));
        var function = new OrderedDictionary<string, object?> { ["name"] = name };
        if (description != null) function["description"] = description;
        if (parameters is { } p) function["parameters"] = TemplateValues.FromJson(p);
        return new ToolDefinition(name, new OrderedDictionary<string, object?> { ["type"] = "function", ["function"] = function });
    }

    /// <summary>
    /// One entry of a request's "tools", checked as OpenAI does (type "function", a function object with a non-empty
    /// string name, an optional string description and an optional object parameters). The object is rendered as sent.
    /// </summary>
    public static ToolDefinition FromOpenAi(JsonNode? tool, string path)
    {
        if (tool is not JsonObject o) throw new ToolRequestException(path, "must be an object");
        if (o["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String || type.GetValue<string>() != "function")
            throw new ToolRequestException($"{path}.type", "must be \"function\" (the only tool type a chat template renders)");
        if (o["function"] is not JsonObject f) throw new ToolRequestException($"{path}.function", "must be an object");
        if (f["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String || name.GetValue<string>().Length == 0)
            throw new ToolRequestException($"{path}.function.name", "must be a non-empty string");
        if (f["description"] is { } d && d.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Null))
            throw new ToolRequestException($"{path}.function.description", "must be a string");
        if (f["parameters"] is { } p && p.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.Null))
            throw new ToolRequestException($"{path}.function.parameters", "must be a JSON Schema object");
        var value = TemplateValues.FromJson(o) as OrderedDictionary<string, object?>;
        return new ToolDefinition(name.GetValue<string>(), value!);
    }

    /// <summary>A request's "tools" list (null or absent: none).</summary>
    public static IReadOnlyList<ToolDefinition> ListFromOpenAi(JsonNode? tools)
    {
        if (tools is null) return [];
        if (tools is not JsonArray list) throw new ToolRequestException("tools", "must be a list of tool objects");
        return list.Select((t, i) => FromOpenAi(t, $"tools[{i}]")).ToList();
    }
}
