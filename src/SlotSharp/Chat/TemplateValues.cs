using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Chat;

/// <summary>
/// Converts .NET and JSON values into the template value model (Python-like: None, bool, int, float, str, list,
/// dict with ordered keys). Only these shapes enter a template; nothing is reached by reflection.
/// </summary>
internal static class TemplateValues
{
    /// <summary>JSON → template value. Integers stay ints (1 vs 1.0 prints differently, as in Python).</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => NumberFromText(e.GetRawText()),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => ObjectFromJson(e),
        _ => throw new SlotSharpException($"unsupported JSON value kind {e.ValueKind}"),
    };

    public static object? FromJson(JsonNode? node) =>
        node == null ? null : FromJson(JsonSerializer.Deserialize<JsonElement>(node.ToJsonString()));

    static OrderedDictionary<string, object?> ObjectFromJson(JsonElement e)
    {
        var d = new OrderedDictionary<string, object?>();
        foreach (var p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value);
        return d;
    }

    static object NumberFromText(string raw)
    {
        if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(raw, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var l))
            return l;
        return double.Parse(raw, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Any supported .NET value → template value: null, bool, integers, floating point, string, char,
    /// JsonElement/JsonNode, ChatMessage, string-keyed dictionaries and other enumerables (as lists).
    /// </summary>
    public static object? From(object? value) => value switch
    {
        null => null,
        bool or long or double or string => value,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        JsonElement e => FromJson(e),
        JsonNode n => FromJson(n),
        ChatMessage m => m.ToTemplateValue(),
        OrderedDictionary<string, object?> d => Normalize(d),
        IEnumerable<KeyValuePair<string, object?>> pairs => ToDict(pairs),
        IDictionary dict => ToDict(dict),
        object?[] tuple => tuple.Select(From).ToArray(),
        IEnumerable items => items.Cast<object?>().Select(From).ToList(),
        _ => throw new SlotSharpException($"values of type {value.GetType().Name} cannot be passed to a chat template"),
    };

    static OrderedDictionary<string, object?> Normalize(OrderedDictionary<string, object?> d)
    {
        var copy = new OrderedDictionary<string, object?>();
        foreach (var kv in d) copy[kv.Key] = From(kv.Value);
        return copy;
    }

    static OrderedDictionary<string, object?> ToDict(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var d = new OrderedDictionary<string, object?>();
        foreach (var kv in pairs) d[kv.Key] = From(kv.Value);
        return d;
    }

    static OrderedDictionary<string, object?> ToDict(IDictionary dict)
    {
        var d = new OrderedDictionary<string, object?>();
        foreach (DictionaryEntry kv in dict)
            d[kv.Key as string ?? throw new SlotSharpException("chat template dictionaries need string keys")] = From(kv.Value);
        return d;
    }
}
