namespace SlotSharp.Tokenization;

/// <summary>
/// Turns generated ids into text as they arrive. Each Push returns only text that later tokens cannot
/// change; the concatenation of all Push results and Flush equals tokenizer.Decode(all ids, skipSpecialTokens).
/// Held back: a trailing run of byte-fallback tokens, trailing U+FFFD (an unfinished UTF-8 sequence or byte-fallback run that the next token may
/// complete) and, with clean_up_tokenization_spaces, a space in the last three characters (" n" may become "n't").
/// Each push re-decodes a window of recent ids (not the whole history): the window restarts at a clean boundary,
/// keeping the last token as context so decoders that treat the first token specially (Strip, Metaspace) agree.
/// </summary>
public sealed class StreamingDetokenizer(ITokenizer tokenizer, bool skipSpecialTokens)
{
    const int WindowRestartLength = 32;

    readonly List<int> _window = [];
    int _emitted; // characters of the window's decoded text already returned (or covered by the context token)
    readonly bool _cleanUp = tokenizer.CleanUpTokenizationSpaces;
    readonly Dictionary<int, bool> _byteTokens = [];

    public string Push(int id)
    {
        _window.Add(id);
        // A skipped special token adds no text, and a byte run continues across it (HF drops it before decoding).
        if (skipSpecialTokens && tokenizer.IsSpecial(id)) return "";
        if (IsByteFallbackToken(id)) return "";
        var raw = tokenizer.Decode(_window, skipSpecialTokens, false);
        int stable = StableLength(raw);
        var chunk = Take(_cleanUp ? CleanUp.Apply(raw[..stable]) : raw[..stable]);
        if (stable == raw.Length && _window.Count >= WindowRestartLength) TryRestartWindow(raw, id);
        return chunk;
    }

    /// <summary>Returns everything still held back (call once generation ends).</summary>
    public string Flush()
    {
        var text = tokenizer.Decode(_window, skipSpecialTokens, _cleanUp);
        var chunk = Take(text);
        _window.Clear();
        _emitted = 0;
        return chunk;
    }

    string Take(string text)
    {
        if (text.Length <= _emitted) return "";
        var chunk = text[_emitted..];
        _emitted = text.Length;
        return chunk;
    }

    int StableLength(string raw)
    {
        int stable = raw.Length;
        while (stable > 0 && raw[stable - 1] == '\uFFFD') stable--;
        if (!_cleanUp) return stable;
        // Cut before any space that starts an unfinished clean-up pattern; repeat, the cut may expose another.
        for (bool moved = true; moved;)
        {
            moved = false;
            for (int i = Math.Max(0, stable - 3); i < stable; i++)
            {
                if (raw[i] != ' ' || !CleanUp.IsUnfinishedPattern(raw.AsSpan(i, stable - i))) continue;
                stable = i;
                moved = true;
                break;
            }
        }
        return stable;
    }

    /// <summary>
    /// A byte-fallback token ("&lt;0xXX&gt;" that the decoder turns into a byte): HF decodes a run of them as a
    /// whole, valid or all U+FFFD, so nothing is released until the run ends.
    /// </summary>
    bool IsByteFallbackToken(int id)
    {
        if (_byteTokens.TryGetValue(id, out var known)) return known;
        var token = tokenizer.IdToToken(id);
        bool isByte = token != null && ByteFallbackDecoder.TryParseByte(token) && tokenizer.Decode([id], false, false) != token;
        _byteTokens[id] = isByte;
        return isByte;
    }

    /// <summary>
    /// Keeps only the last token as context when it decodes on its own to exactly the end of the text
    /// (so it is a complete, ordinary token: not a byte piece, not a skipped special token).
    /// </summary>
    void TryRestartWindow(string raw, int last)
    {
        var alone = tokenizer.Decode([last], skipSpecialTokens, false);
        if (alone.Length == 0 || alone.Contains('\uFFFD') || !raw.EndsWith(alone, StringComparison.Ordinal)) return;
        _window.Clear();
        _window.Add(last);
        _emitted = _cleanUp ? CleanUp.Apply(alone).Length : alone.Length;
    }
}
