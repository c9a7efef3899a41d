using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.IO;

namespace SlotSharp.Checkpoints;

/// <summary>
/// Typed, range-checked access to the fields of a JSON config file. A value of the wrong type or out of range is
/// refused with a <see cref="SlotSharpException"/> naming the file and the field, never truncated or defaulted:
/// a config that crashed or ran as garbage must instead stop with one clear line. JSON null counts as absent
/// (transformers writes "rope_scaling": null).
/// </summary>
internal readonly struct JsonFields(JsonObject obj, string source, string prefix = "")
{
    public string Source => source;

    /// <summary>
    /// Reads a config file as a JSON object; unreadable JSON, a duplicated key or an undecodable string is reported
    /// with the file's path (see <see cref="UserJson"/>), not later from whichever field happens to touch it.
    /// </summary>
    public static JsonObject ReadObject(string path)
    {
        using var doc = UserJson.Parse(File.ReadAllBytes(path), path);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SlotSharpException($"{path}: not a JSON object");
        return JsonObject.Create(doc.RootElement.Clone())!;
    }

    public SlotSharpException Bad(string key, string problem) => new($"{source}: field '{prefix}{key}' {problem}");

    public bool Has(string key) => obj[key] is not null;

    /// <summary>An integer in [min, max]; <paramref name="fallback"/> when absent, or an error when there is none.</summary>
    public int Int(string key, int? fallback = null, int min = int.MinValue, int max = int.MaxValue)
    {
        var node = obj[key];
        if (node is null) return fallback ?? throw Bad(key, "is missing");
        return CheckedInt(node, key, min, max);
    }

    public int? IntOrNull(string key, int min = int.MinValue, int max = int.MaxValue) =>
        obj[key] is { } node ? CheckedInt(node, key, min, max) : null;

    /// <summary>A finite number greater than zero (epsilons, rope base and factors: zero or negative give NaN or garbage).</summary>
    public double Positive(string key, double fallback)
    {
        double v = Number(key, fallback);
        if (!(v > 0)) throw Bad(key, $"must be a finite number > 0, got {obj[key]!.ToJsonString()}");
        return v;
    }

    /// <summary>A finite number; <paramref name="fallback"/> when absent.</summary>
    public double Number(string key, double fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && double.IsFinite(d)) return d;
        throw Bad(key, $"must be a finite number, got {node.ToJsonString()}");
    }

    public bool Bool(string key, bool fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(key, $"must be true or false, got {node.ToJsonString()}"),
        };
    }

    public string Str(string key, string fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Bad(key, $"must be a string, got {node.ToJsonString()}");
    }

    /// <summary>A nested object (e.g. rope_scaling) whose errors name "key.field"; null when absent.</summary>
    public JsonFields? Object(string key)
    {
        var node = obj[key];
        if (node is null) return null;
        return node is JsonObject o ? new JsonFields(o, source, prefix + key + ".") : throw Bad(key, $"must be an object, got {node.ToJsonString()}");
    }

    /// <summary>A list of strings (e.g. architectures); empty when absent.</summary>
    public IReadOnlyList<string> StrList(string key)
    {
        var node = obj[key];
        if (node is null) return [];
        if (node is JsonArray a && a.All(x => x is JsonValue v && v.TryGetValue<string>(out _))) return [.. a.Select(x => x!.GetValue<string>())];
        throw Bad(key, $"must be a list of strings, got {node.ToJsonString()}");
    }

    /// <summary>One token id or a list of ids (eos_token_id may be either), each in [0, <paramref name="vocabSize"/>).</summary>
    public IReadOnlyList<int> IdList(string key, int vocabSize = int.MaxValue)
    {
        var node = obj[key];
        if (node is null) return [];
        var items = node is JsonArray a ? a.ToArray() : [node];
        var ids = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i] is not { } item || !TryInteger(item, out long id))
                throw Bad(key, $"must be a token id or a list of token ids, got {node.ToJsonString()}");
            if (id < 0 || id >= vocabSize) throw Bad(key, $"holds id {id}, outside the vocabulary [0, {vocabSize})");
            ids[i] = (int)id;
        }
        return ids;
    }

    int CheckedInt(JsonNode node, string key, int min, int max)
    {
        if (!TryInteger(node, out long v)) throw Bad(key, $"must be an integer, got {node.ToJsonString()}");
        if (v < min || v > max)
            throw Bad(key, $"must be an integer in [{min}, {max}], got {v}");
        return (int)v;
    }

    /// <summary>An integral JSON number (64.0 counts; values beyond 64 bits saturate so that range checks refuse them).</summary>
    static bool TryInteger(JsonNode node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return false;
        if (v.TryGetValue(out value)) return true;
        if (!v.TryGetValue<double>(out var d) || !double.IsFinite(d) || d != Math.Floor(d)) return false;
        value = d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
        return true;
    }
}
