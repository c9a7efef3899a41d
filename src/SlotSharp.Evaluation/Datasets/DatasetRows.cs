using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Serialization;

namespace SlotSharp.Datasets;

/// <summary>Reads JSONL, JSON arrays and Parquet into rows of field -> text (non-strings as JSON text).</summary>
internal static class DatasetRows
{
    public static List<IReadOnlyDictionary<string, string?>> Read(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".parquet" => ReadParquet(path),
            ".jsonl" => ReadJsonl(path),
            ".json" => ReadJsonArray(path),
            var ext => throw new SlotSharpException($"dataset file '{path}' has unsupported extension '{ext}' " +
                                                    "(expected .parquet, .jsonl or .json)"),
        };

    static List<IReadOnlyDictionary<string, string?>> ReadJsonl(string path)
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException e) { throw new SlotSharpException($"'{path}' line {lineNo} is not valid JSON: {e.Message}", e); }
            rows.Add(Row(node, $"'{path}' line {lineNo}"));
        }
        return rows;
    }

    static List<IReadOnlyDictionary<string, string?>> ReadJsonArray(string path)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new SlotSharpException($"'{path}' is not valid JSON: {e.Message}", e); }
        if (node is not JsonArray array) throw new SlotSharpException($"'{path}' is not a JSON array of objects");
        return array.Select((item, i) => Row(item, $"'{path}' item {i}")).ToList();
    }

    /// <summary>
    /// JsonNode parses lazily: a duplicated key (ArgumentException) or a lone surrogate escape in a string
    /// (InvalidOperationException) only surfaces when the object is read, so both are caught here, per row.
    /// </summary>
    static IReadOnlyDictionary<string, string?> Row(JsonNode? node, string where)
    {
        if (node is not JsonObject obj) throw new SlotSharpException($"{where} is not a JSON object");
        try { return FromObject(obj); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new SlotSharpException($"{where} is not a usable JSON object (duplicate key or invalid string escape): {e.Message}", e);
        }
    }

    static IReadOnlyDictionary<string, string?> FromObject(JsonObject obj) =>
        obj.ToDictionary(p => p.Key, p => p.Value switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => other.ToJsonString(),
        });

    static List<IReadOnlyDictionary<string, string?>> ReadParquet(string path)
    {
        using var stream = File.OpenRead(path);
        DeserializationResult<Dictionary<string, object>> result;
        try { result = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult(); }
        // Parquet.Net decodes untrusted bytes and signals corruption with whatever its decoder hits (fuzzing found
        // ThriftProtocolException, ArgumentOutOfRangeException, ArgumentException, NullReferenceException): any
        // exception here means the file cannot be read, except running out of memory, which is not the file's fault.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new SlotSharpException($"'{path}' is not a readable Parquet file: {e.Message}", e);
        }
        return result.Data.Select(row => (IReadOnlyDictionary<string, string?>)row.ToDictionary(
            p => p.Key, p => ToText(p.Value))).ToList();
    }

    static string? ToText(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f when value is not DateTime and not DateTimeOffset => f.ToString(null, CultureInfo.InvariantCulture),
        DateTime d => d.ToString("o", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("o", CultureInfo.InvariantCulture),
        _ => Nested(value)?.ToJsonString(), // lists and structs keep their shape as JSON text
    };

    /// <summary>
    /// A list or struct cell as JSON. Parquet.Net's untyped reader hands the strings inside a list as char arrays
    /// (and structs as dictionaries), which JsonSerializer would write as arrays of one-letter strings, so the value
    /// is converted by hand: char[] to a string, dictionaries to objects, other sequences to arrays.
    /// </summary>
    static JsonNode? Nested(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        char[] chars => JsonValue.Create(new string(chars)),
        ReadOnlyMemory<char> chars => JsonValue.Create(chars.ToString()),
        bool b => JsonValue.Create(b),
        DateTime or DateTimeOffset => JsonValue.Create(ToText(value)),
        sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        decimal m => JsonValue.Create(m),
        // JSON has no NaN or infinity: those stay text, as ToText writes them.
        double or float when Convert.ToDouble(value, CultureInfo.InvariantCulture) is var d && double.IsFinite(d) => JsonValue.Create(d),
        IFormattable f => JsonValue.Create(f.ToString(null, CultureInfo.InvariantCulture)),
        System.Collections.IDictionary map => new JsonObject(map.Keys.Cast<object>()
            .Select(k => KeyValuePair.Create(Convert.ToString(k, CultureInfo.InvariantCulture)!, Nested(map[k])))),
        System.Collections.IEnumerable items => new JsonArray([.. items.Cast<object?>().Select(Nested)]),
        _ => JsonSerializer.SerializeToNode(value),
    };
}
