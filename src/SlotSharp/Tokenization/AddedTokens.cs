using System.Buffers;

namespace SlotSharp.Tokenization;

/// <summary>An entry of tokenizer.json "added_tokens".</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool Normalized = false);

/// <summary>
/// Finds added tokens in text like HF's AddedVocabulary: leftmost-longest matches, single_word (no word
/// character on either side), lstrip/rstrip (the token swallows adjacent whitespace).
/// </summary>
internal sealed class AddedTokenMatcher
{
    readonly Dictionary<char, AddedToken[]> _byFirstChar; // longest first
    readonly SearchValues<char> _firstChars;

    /// <param name="tokens">Tokens to find, each with the text to match (normalized content for normalized tokens).</param>
    public AddedTokenMatcher(IEnumerable<(AddedToken Token, string Pattern)> tokens)
    {
        var list = tokens.Where(t => t.Pattern.Length > 0).ToList();
        _byFirstChar = list.GroupBy(t => t.Pattern[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Pattern.Length).Select(t => t.Token with { Content = t.Pattern }).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>
    /// Splits text into (start, length, token) parts; token is null for plain text between added tokens.
    /// Whitespace swallowed by lstrip/rstrip belongs to the token's part.
    /// </summary>
    public void Split(string text, List<(int Start, int Length, AddedToken? Token)> output)
    {
        int emitted = 0, search = 0;
        while (search < text.Length)
        {
            int at = text.AsSpan(search).IndexOfAny(_firstChars);
            if (at < 0) break;
            at += search;
            var token = LongestAt(text, at);
            if (token == null || (token.SingleWord && !IsWholeWord(text, at, token.Content.Length)))
            {
                search = at + 1;
                continue;
            }
            int start = at, stop = at + token.Content.Length;
            if (token.LStrip) { while (start > emitted && IsWhitespace(text, start - 1)) start--; }
            if (token.RStrip) { while (stop < text.Length && IsWhitespace(text, stop)) stop++; }
            if (start > emitted) output.Add((emitted, start - emitted, null));
            output.Add((start, stop - start, token));
            emitted = search = stop;
        }
        if (emitted < text.Length || text.Length == 0) output.Add((emitted, text.Length - emitted, null));
    }

    AddedToken? LongestAt(string text, int at)
    {
        foreach (var t in _byFirstChar[text[at]])
            if (string.CompareOrdinal(text, at, t.Content, 0, t.Content.Length) == 0) return t;
        return null;
    }

    static bool IsWhitespace(string s, int i) => char.IsWhiteSpace(s[i]);

    // HF is_word_character: alphanumeric or '_'.
    static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    static bool IsWholeWord(string text, int start, int length) =>
        (start == 0 || !IsWordChar(text[start - 1])) && (start + length == text.Length || !IsWordChar(text[start + length]));
}
