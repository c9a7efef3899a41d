using System.Text;
using SlotSharp.Tokenization;

namespace SlotSharp.Cli.Serving;

/// <summary>
/// The text of one completion as its tokens arrive: decoded without special tokens (the concatenation equals the
/// tokenizer's decode of all ids, as `slot generate --json` reports "text") and cut before the first stop string.
/// A stop string may span tokens, so the decoded text is searched, and the last (longest stop - 1) characters are
/// held back until they can no longer begin one.
/// </summary>
internal sealed class CompletionText(ITokenizer tokenizer, IReadOnlyList<string> stops)
{
    readonly StreamingDetokenizer _detokenizer = new(tokenizer, skipSpecialTokens: true);
    readonly StringBuilder _text = new();
    readonly int _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    int _released;

    /// <summary>A stop string was found; the text ends before it.</summary>
    public bool Stopped { get; private set; }

    public string Text => _text.ToString();

    /// <summary>Adds one token; returns the text that can be sent now.</summary>
    public string Push(int id)
    {
        if (Stopped) return "";
        _text.Append(_detokenizer.Push(id));
        return Release(final: false);
    }

    /// <summary>Ends the completion; returns the rest of the text.</summary>
    public string Finish()
    {
        if (!Stopped) _text.Append(_detokenizer.Flush());
        return Release(final: true);
    }

    string Release(bool final)
    {
        if (!Stopped && stops.Count > 0)
        {
            // Only text from the last release on can hold a new match (earlier text was searched already).
            int from = Math.Max(0, _released - _holdBack);
            var tail = _text.ToString(from, _text.Length - from);
            int cut = stops.Select(s => tail.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (cut >= 0)
            {
                Stopped = true;
                _text.Length = from + cut;
                final = true;
            }
        }
        int upTo = final ? _text.Length : Math.Max(_released, _text.Length - _holdBack);
        if (!final && upTo > _released && char.IsHighSurrogate(_text[upTo - 1])) upTo--; // never split a pair
        var chunk = _text.ToString(_released, upTo - _released);
        _released = upTo;
        return chunk;
    }
}
