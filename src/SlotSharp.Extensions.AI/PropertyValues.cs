using System.Globalization;
using System.Text.Json;

namespace SlotSharp.Extensions.AI;

/// <summary>
/// Reads ChatOptions.AdditionalProperties values, which arrive as CLR values in process and as JsonElement when the
/// options were deserialized; the messages name the key at fault.
/// </summary>
internal static class PropertyValues
{
    public static int ToInt(object? value, string key)
    {
        double d = ToDouble(value, key);
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw Bad(key, value, "an integer");
        return (int)d;
    }

    public static double ToDouble(object? value, string key) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        string or bool or char or null => throw Bad(key, value, "a number"),
        IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
        _ => throw Bad(key, value, "a number"),
    };

    public static bool ToBool(object? value, string key) => value switch
    {
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        _ => throw Bad(key, value, "true or false"),
    };

    public static string ToText(object? value, string key) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => throw Bad(key, value, "a string"),
    };

    /// <summary>The entries of an object value (a dictionary or a JSON object), keys as given.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> ToEntries(object? value, string key) => value switch
    {
        IEnumerable<KeyValuePair<string, object?>> d => d,
        JsonElement { ValueKind: JsonValueKind.Object } e => e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)),
        _ => throw Bad(key, value, "an object"),
    };

    static SlotSharpException Bad(string key, object? value, string expected) =>
        new($"ChatOptions.AdditionalProperties[\"{key}\"] must be {expected}, got {Describe(value)}");

    static string Describe(object? value) => value switch
    {
        null => "null",
        JsonElement e => e.GetRawText(),
        string s => $"\"{s}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name,
    };
}
