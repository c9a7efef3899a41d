using static SlotSharp.Chat.Tools.ToolCallFormats;

namespace SlotSharp.Chat.Tools;

/// <summary>
/// DeepSeek-R1 as its template renders an assistant's calls: <c>&lt;｜tool▁calls▁begin｜&gt;</c>, then per call
/// <c>&lt;｜tool▁call▁begin｜&gt;function&lt;｜tool▁sep｜&gt;NAME\n```json\nARGS\n```&lt;｜tool▁call▁end｜&gt;</c> (whitespace
/// between calls), then <c>&lt;｜tool▁calls▁end｜&gt;</c>, which the template leaves out after a single call, so the end of
/// the output also closes the section. The section is one block: any malformed call leaves all of it as content.
/// </summary>
internal sealed class DeepSeekScanner : ToolCallScanner
{
    public override ScanStep Next(string buffer, bool final)
    {
        var head = TextBefore(buffer, DeepSeekCallsBegin, final, out int begin);
        if (begin != 0) return head;
        int end = buffer.IndexOf(DeepSeekCallsEnd, DeepSeekCallsBegin.Length, StringComparison.Ordinal);
        if (end < 0 && !final) return ScanStep.NeedMore; // the section may still be closed, or turn out malformed
        var calls = new List<ParsedCall>();
        int pos = DeepSeekCallsBegin.Length;
        while (true)
        {
            int next = SkipSpace(buffer, pos);
            if (!buffer.AsSpan(next).StartsWith(DeepSeekCallBegin, StringComparison.Ordinal)) break;
            int callEnd = buffer.IndexOf(DeepSeekCallEnd, next, StringComparison.Ordinal);
            if (callEnd < 0 || Call(buffer[(next + DeepSeekCallBegin.Length)..callEnd]) is not { } call) return Malformed(buffer, end);
            calls.Add(call);
            pos = callEnd + DeepSeekCallEnd.Length;
        }
        if (calls.Count == 0) return Malformed(buffer, end);
        if (end >= 0)
        {
            // Only whitespace may stand between the last call and the section's end marker.
            return SkipSpace(buffer, pos) == end ? ScanStep.Block(end + DeepSeekCallsEnd.Length, calls) : Malformed(buffer, end);
        }
        return ScanStep.Block(pos, calls); // unclosed at the end of the output: what follows the calls is content
    }

    static ScanStep Malformed(string buffer, int end) => ScanStep.Text(end < 0 ? buffer.Length : end + DeepSeekCallsEnd.Length);

    static int SkipSpace(string text, int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        return pos;
    }

    /// <summary>TYPE&lt;｜tool▁sep｜&gt;NAME\n```json\nARGS\n```, TYPE "function" and ARGS a JSON object.</summary>
    static ParsedCall? Call(string text)
    {
        int sep = text.IndexOf(DeepSeekSep, StringComparison.Ordinal);
        if (sep < 0 || text[..sep] != "function") return null;
        var rest = text[(sep + DeepSeekSep.Length)..];
        int newline = rest.IndexOf('\n', StringComparison.Ordinal);
        if (newline <= 0) return null;
        var name = rest[..newline].Trim();
        var fenced = rest[(newline + 1)..].Trim();
        if (name.Length == 0 || !fenced.StartsWith("```json", StringComparison.Ordinal) || !fenced.EndsWith("```", StringComparison.Ordinal)
            || fenced.Length < "```json```".Length)
            return null;
        var arguments = fenced["```json".Length..^3].Trim();
        return TryParse(arguments) is { ValueKind: System.Text.Json.JsonValueKind.Object } ? new ParsedCall(name, arguments) : null;
    }
}
