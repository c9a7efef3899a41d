using System.Text.Json;

namespace SlotSharp.IO;

/// <summary>
/// Strict parsing of JSON a user hands us (config files, safetensors headers). System.Text.Json accepts two things
/// that only fail later, far from the file: a duplicated key (JsonObject throws ArgumentException on first use, a
/// JsonDocument silently keeps both) and a string that cannot become a .NET string (a lone surrogate escape such as
/// "\ud800", or invalid UTF-8 bytes), which GetString answers with InvalidOperationException. Here both are refused
/// up front with a <see cref="SlotSharpException"/> naming the source and, for strings, the JSON path.
/// </summary>
internal static class UserJson
{
    /// <summary>Parser options: duplicated keys are a JsonException at parse time.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { AllowDuplicateProperties = false };

    /// <summary>Parses <paramref name="utf8"/>; a syntax error, duplicated key or undecodable string names <paramref name="source"/>.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, string source) => Checked(() => JsonDocument.Parse(utf8, DocumentOptions), source);

    /// <inheritdoc cref="Parse(ReadOnlyMemory{byte}, string)"/>
    public static JsonDocument Parse(string text, string source) => Checked(() => JsonDocument.Parse(text, DocumentOptions), source);

    static JsonDocument Checked(Func<JsonDocument> parse, string source)
    {
        JsonDocument doc;
        try { doc = parse(); }
        catch (JsonException e) { throw new SlotSharpException($"{source}: invalid JSON ({e.Message})", e); }
        // The duplicate-key check decodes every key and throws this for one that does not decode.
        catch (InvalidOperationException) { throw new SlotSharpException($"{source}: a key {NotText}"); }
        try { RequireDecodableStrings(doc.RootElement, source); }
        catch { doc.Dispose(); throw; }
        return doc;
    }

    const string NotText = "is not valid text (a lone surrogate escape or invalid UTF-8)";

    /// <summary>Throws when a property name or string value anywhere under <paramref name="root"/> does not decode.</summary>
    public static void RequireDecodableStrings(JsonElement root, string source)
    {
        if (FirstUndecodable(root) is { } path)
            throw new SlotSharpException($"{source}: the string at {path} {NotText}");
    }

    // The JSON path ("$.a[2].b") of the first undecodable string, else null. The path is only built on the way out of
    // a failure, so a valid document costs one decode per string. Nesting is bounded by the reader (depth 64).
    static string? FirstUndecodable(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    string name;
                    try { name = p.Name; }
                    catch (InvalidOperationException) { return "$ (a key)"; }
                    if (FirstUndecodable(p.Value) is { } inner) return Join($".{name}", inner);
                }
                return null;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (FirstUndecodable(item) is { } inner) return Join($"[{i}]", inner);
                    i++;
                }
                return null;
            case JsonValueKind.String:
                try { e.GetString(); return null; }
                catch (InvalidOperationException) { return "$"; }
            default:
                return null;
        }
    }

    // "$" + ".a" -> "$.a"; the innermost part starts with "$" so that only the outermost call keeps it.
    static string Join(string step, string inner) => "$" + step + inner[1..];
}
