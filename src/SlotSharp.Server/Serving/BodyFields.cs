using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Server;

/// <summary>
/// Typed reads of a JSON request body; a missing or null field is null, a wrong type or a value out of range is a
/// 400 naming the field (<paramref name="prefix"/> qualifies fields of a nested object, e.g. "slot.").
/// Every read marks the field, so <see cref="RefuseUnread"/> can refuse what no code looked at: a field cannot be
/// ignored by forgetting it.
/// </summary>
internal sealed class BodyFields(JsonObject body, string prefix = "")
{
    readonly HashSet<string> _read = [];
    readonly Dictionary<string, BodyFields> _nested = [];

    public JsonNode? this[string name]
    {
        get
        {
            _read.Add(name);
            return body[name];
        }
    }

    public bool Has(string name) => this[name] != null;

    /// <summary>Marks fields as handled elsewhere (e.g. by another feature's parser) without reading them.</summary>
    public void Accept(params string[] names) => _read.UnionWith(names);

    /// <summary>
    /// Fields nobody read, here and in the objects read through <see cref="Object"/>, by their full names
    /// ("slot.time"). A field whose value is null counts as absent.
    /// </summary>
    public IEnumerable<string> Unread() =>
        body.Where(p => p.Value != null && !_read.Contains(p.Key)).Select(p => prefix + p.Key).Concat(_nested.Values.SelectMany(n => n.Unread()));

    /// <summary>A 400 naming the first field nobody read: this server neither serves nor knowingly ignores it.</summary>
    public void RefuseUnread()
    {
        if (Unread().FirstOrDefault() is { } name)
            throw new ApiError(400, $"Unknown parameter: '{name}'. This server neither serves nor ignores it (docs/serving.md lists every field).",
                name, "unknown_parameter");
    }

    public string? String(string name)
    {
        var n = this[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.String) throw Wrong(name, "a string");
        try { return n.GetValue<string>(); }
        // A lone surrogate escape ("\ud800") cannot become a .NET string through JsonNode.
        catch (InvalidOperationException) { throw ApiError.BadRequest($"'{prefix}{name}' is not valid UTF-16 text", prefix + name); }
    }

    public bool? Bool(string name)
    {
        var n = this[name];
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
        var n = this[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<long>(out var v)) throw Wrong(name, "a whole number");
        if (v < min || v > max) throw ApiError.BadRequest($"'{prefix}{name}' must lie in [{min}, {max}], got {v}", prefix + name);
        return v;
    }

    public int? Int(string name, int min, int max) => (int?)Long(name, min, max);

    /// <summary>A finite number in [min, max] (JSON has no NaN or infinity literals; 1e999 reads as infinity).</summary>
    public double? Double(string name, double min, double max)
    {
        var n = this[name];
        if (n == null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<double>(out var v) || !double.IsFinite(v))
            throw Wrong(name, "a finite number");
        if (v < min || v > max)
            throw ApiError.BadRequest(FormattableString.Invariant($"'{prefix}{name}' must lie in [{min}, {max}], got {v}"), prefix + name);
        return v;
    }

    public BodyFields? Object(string name)
    {
        var n = this[name];
        if (n == null) return null;
        if (n is not JsonObject o) throw Wrong(name, "an object");
        // One tracker per object, however often it is read, so what one reader marks counts for all.
        if (!_nested.TryGetValue(name, out var nested)) _nested[name] = nested = new BodyFields(o, prefix + name + ".");
        return nested;
    }

    /// <summary>An object whose content is not read (a no-op field): its inner fields are not checked.</summary>
    public JsonObject? OpaqueObject(string name)
    {
        var n = this[name];
        if (n == null) return null;
        return n as JsonObject ?? throw Wrong(name, "an object");
    }

    public JsonArray? Array(string name)
    {
        var n = this[name];
        if (n == null) return null;
        return n as JsonArray ?? throw Wrong(name, "a list");
    }

    /// <summary>A list of whole numbers in [min, max], at most <paramref name="maxCount"/> of them.</summary>
    public int[]? Ints(string name, int min, int max, int maxCount)
    {
        if (Array(name) is not { } a) return null;
        if (a.Count > maxCount) throw ApiError.BadRequest($"'{prefix}{name}' holds {a.Count} values; at most {maxCount}", prefix + name);
        var values = new int[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out values[i])
                || values[i] < min || values[i] > max)
                throw ApiError.BadRequest($"'{prefix}{name}'[{i}] must be a whole number in [{min}, {max}]", prefix + name);
        }
        return values;
    }

    /// <summary>Refuses a value this server cannot honour: the 400 names the field and says what it accepts.</summary>
    public void Require(bool accepted, string name, string accepts)
    {
        if (!accepted) throw ApiError.BadRequest($"'{prefix}{name}' is not supported except as {accepts}", prefix + name);
    }

    /// <summary>The full name of a field of this object, as errors name it ("slot.times").</summary>
    public string NameOf(string name) => prefix + name;

    /// <summary>A string element of a list (a lone surrogate escape cannot become a .NET string: a 400 naming the field).</summary>
    public static string Text(JsonNode? node, string fullName, string expected)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            throw ApiError.BadRequest($"'{fullName}' must be {expected}", fullName);
        try { return v.GetValue<string>(); }
        catch (InvalidOperationException) { throw ApiError.BadRequest($"'{fullName}' is not valid UTF-16 text", fullName); }
    }

    public ApiError Wrong(string name, string expected) =>
        ApiError.BadRequest($"'{prefix}{name}' must be {expected}, got {Kind(body[name])}", prefix + name);

    static string Kind(JsonNode? n) => n == null ? "null" : n.GetValueKind().ToString().ToLowerInvariant();
}
