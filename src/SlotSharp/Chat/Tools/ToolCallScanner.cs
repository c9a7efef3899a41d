using System.Text.Json;

namespace SlotSharp.Chat.Tools;

/// <summary>A call as the model wrote it, before it gets an id: the function's name and its arguments as JSON text.</summary>
internal sealed record ParsedCall(string Name, string Arguments);

/// <summary>
/// One step over the text not consumed yet: <see cref="Consumed"/> characters are content (<see cref="Calls"/> null)
/// or a call block holding <see cref="Calls"/>. Consumed 0 means "cannot tell yet, give me more text".
/// </summary>
internal readonly record struct ScanStep(int Consumed, IReadOnlyList<ParsedCall>? Calls)
{
    public static ScanStep NeedMore => default;
    public static ScanStep Text(int length) => new(length, null);
    public static ScanStep Block(int length, IReadOnlyList<ParsedCall> calls) => new(length, calls);
}

/// <summary>
/// A family's output format as a scanner the streaming parser (<see cref="ToolCallStreamParser"/>) drives: given the
/// unconsumed text and whether more will come, it says what the text's head is. A block whose JSON is malformed is
/// content, markers and all (as vLLM keeps it), so the parser never throws on model output. Whole-text parsing is
/// the same scanner fed once, so streamed and whole results agree by construction.
/// </summary>
internal abstract class ToolCallScanner
{
    /// <summary>The head of <paramref name="buffer"/>; with <paramref name="final"/> it must consume something.</summary>
    public abstract ScanStep Next(string buffer, bool final);

    /// <summary>Content up to <paramref name="marker"/>, holding back a tail that may be the marker's start.</summary>
    protected static ScanStep TextBefore(string buffer, string marker, bool final, out int markerAt)
    {
        markerAt = buffer.IndexOf(marker, StringComparison.Ordinal);
        if (markerAt > 0) return ScanStep.Text(markerAt);
        if (markerAt == 0) return ScanStep.NeedMore;
        return ScanStep.Text(final ? buffer.Length : buffer.Length - PartialMarkerLength(buffer, marker));
    }

    /// <summary>The longest tail of <paramref name="text"/> that is a proper prefix of <paramref name="marker"/>.</summary>
    protected static int PartialMarkerLength(string text, string marker)
    {
        for (int k = Math.Min(marker.Length - 1, text.Length); k > 0; k--)
            if (text.AsSpan(text.Length - k).SequenceEqual(marker.AsSpan(0, k))) return k;
        return 0;
    }

    /// <summary>The JSON value <paramref name="json"/> holds, or null when it is not valid JSON.</summary>
    protected static JsonElement? TryParse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// {"name": "...", KEY: {...}} with one of <paramref name="argumentKeys"/> (absent: no arguments, "{}"); the
    /// arguments keep the model's own JSON text. Null when the object is not such a call.
    /// </summary>
    protected static ParsedCall? CallFromObject(JsonElement call, bool argumentsRequired, params string[] argumentKeys)
    {
        if (call.ValueKind != JsonValueKind.Object
            || !call.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
            return null;
        var present = argumentKeys.Where(k => call.TryGetProperty(k, out _)).ToList();
        if (present.Count > 1 || (present.Count == 0 && argumentsRequired)) return null;
        if (present.Count == 0) return new ParsedCall(n, "{}");
        var arguments = call.GetProperty(present[0]);
        return arguments.ValueKind == JsonValueKind.Object ? new ParsedCall(n, arguments.GetRawText()) : null;
    }
}
