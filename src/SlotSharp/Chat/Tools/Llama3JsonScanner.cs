using static SlotSharp.Chat.Tools.ToolCallFormats;

namespace SlotSharp.Chat.Tools;

/// <summary>
/// Llama 3.1: its tool prompt asks for <c>{"name": function name, "parameters": dictionary}</c> as the whole answer;
/// the model may put &lt;|python_tag|&gt; first, and several calls are joined by ";" (vLLM's llama3_json reads both,
/// and "arguments" for "parameters"). An output is a call only when all of it is such JSON, so an answer that merely
/// contains JSON stays content. That can only be decided at the end: an output that starts like a call is held back
/// until then; any other output streams as content at once.
/// </summary>
internal sealed class Llama3JsonScanner : ToolCallScanner
{
    bool _content; // the output has shown it is not a call

    public override ScanStep Next(string buffer, bool final)
    {
        if (_content) return ScanStep.Text(buffer.Length);
        var start = buffer.TrimStart();
        if (start.Length == 0) return final ? ScanStep.Text(buffer.Length) : ScanStep.NeedMore;
        bool mayBeCall = start[0] == '{' || start.StartsWith(PythonTag, StringComparison.Ordinal)
                         || PythonTag.StartsWith(start, StringComparison.Ordinal);
        if (mayBeCall && !final) return ScanStep.NeedMore;
        if (mayBeCall && Calls(start) is { } calls) return ScanStep.Block(buffer.Length, calls);
        _content = true;
        return ScanStep.Text(buffer.Length);
    }

    static List<ParsedCall>? Calls(string text)
    {
        if (text.StartsWith(PythonTag, StringComparison.Ordinal)) text = text[PythonTag.Length..];
        var calls = new List<ParsedCall>();
        int pos = 0;
        while (true)
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
            int end = ObjectEnd(text, pos);
            if (end < 0 || TryParse(text[pos..end]) is not { } json
                || CallFromObject(json, argumentsRequired: true, "parameters", "arguments") is not { } call)
                return null;
            calls.Add(call);
            pos = end;
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
            if (pos == text.Length) return calls;
            if (text[pos] != ';') return null;
            pos++;
        }
    }

    /// <summary>The end (exclusive) of the JSON object starting at <paramref name="start"/>, or -1 (braces in strings skipped).</summary>
    static int ObjectEnd(string text, int start)
    {
        if (start >= text.Length || text[start] != '{') return -1;
        int depth = 0;
        bool inString = false;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c is '{' or '[') depth++;
            else if (c is '}' or ']' && --depth == 0) return i + 1;
        }
        return -1;
    }
}
