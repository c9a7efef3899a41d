using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Server;

/// <summary>
/// Typed reads of a JSON request body; a missing or null field is null, a wrong type or a value out of range is a
/// 400 naming the field (<paramref name="prefix"/> qualifies fields of a nested object, e.g. "slot.").
/// </summary>
internal sealed class BodyFields(JsonObject body, string prefix = "")
{
    public JsonNode? this[string name] => body[name];

    public bool Has(string name) => body[name] != null;

    public string? String(string name)
    {
        var n = body[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.String) throw Wrong(name, "a string");
        try { return n.GetValue<string>(); }
        // A lone surrogate escape ("\ud800") cannot become a .NET string through JsonNode.
        catch (InvalidOperationException) { throw ApiError.BadRequest($"'{prefix}{name}' is not valid UTF-16 text", prefix + name); }
    }

    public bool? Bool(string name)
    {
        var n = body[name];
        if (n == null) return null;
        return n.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false"),
        };
    }

    public long? Long(string name, long min, long max)
    {
        var n = body[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<long>(out var v)) throw Wrong(name, "a whole number");
        if (v < min || v > max) throw ApiError.BadRequest($"'{prefix}{name}' must lie in [{min}, {max}], got {v}", prefix + name);
        return v;
    }

    public int? Int(string name, int min, int max) => (int?)Long(name, min, max);

    /// <summary>A finite number in [min, max] (JSON has no NaN or infinity literals; 1e999 reads as infinity).</summary>
    public double? Double(string name, double min, double max)
    {
        var n = body[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<double>(out var v) || !double.IsFinite(v))
            throw Wrong(name, "a finite number");
        if (v < min || v > max)
            throw ApiError.BadRequest(FormattableString.Invariant($"'{prefix}{name}' must lie in [{min}, {max}], got {v}"), prefix + name);
        return v;
    }

    public BodyFields? Object(string name)
    {
        var n = body[name];
        if (n == null) return null;
        if (n is not JsonObject o) throw Wrong(name, "an object");
        return new BodyFields(o, prefix + name + ".");
    }

    public ApiError Wrong(string name, string expected) =>
        ApiError.BadRequest($"'{prefix}{name}' must be {expected}, got {Kind(body[name])}", prefix + name);

    static string Kind(JsonNode? n) => n == null ? "null" : n.GetValueKind().ToString().ToLowerInvariant();
}
