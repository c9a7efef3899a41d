using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SlotSharp.Tokenization;

/// <summary>
/// A .NET Regex that matches by Unicode code point, as Rust's onig/fancy-regex do for tokenizer.json patterns.
/// .NET matches UTF-16 units, so an astral letter (e.g. U+20000, category Lo) is two surrogates (category Cs)
/// and would fall into [^\s\p{L}\p{N}] instead of \p{L}. For text containing surrogate pairs, each astral code
/// point is replaced by one BMP stand-in of the same general category before matching, and match offsets are
/// mapped back. Patterns built from categories, \s and ASCII literals (all HF pre-tokenizer patterns in use)
/// then match exactly as in Rust.
/// Every match runs under a timeout (<see cref="TokenizerOptions.RegexMatchTimeout"/>): a pattern that backtracks
/// catastrophically fails with an error naming it and its file. RegexOptions.NonBacktracking is not used: it
/// rejects the lookahead of the common patterns, and on .NET 7-10 it drops matches of patterns with an optional
/// element next to the search prefix (" ?, ?" on " a,,", dotnet/runtime PR 130176), which tokenizer patterns
/// like " ?\p{L}+" are, so its results are not guaranteed identical.
/// </summary>
internal sealed class CodePointRegex
{
    readonly Regex _regex;
    readonly string _origin;

    /// <param name="pattern">The regex as written in tokenizer.json.</param>
    /// <param name="matchTimeout">Longest time one match may take.</param>
    /// <param name="origin">Where the pattern comes from (file and component), for the timeout error.</param>
    public CodePointRegex(string pattern, TimeSpan matchTimeout, string origin)
    {
        _origin = origin;
        // CultureInvariant: (?i:'s|'t...) must not depend on the machine's culture.
        _regex = KnownPatterns.Find(pattern, matchTimeout)
            ?? new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, matchTimeout);
    }

    public string Pattern => _regex.ToString();

    /// <summary>Non-empty matches in text[start..start+length], as (start, length) in the original string.</summary>
    public void Matches(string text, int start, int length, List<(int Start, int Length)> output)
    {
        try { MatchesCore(text, start, length, output); }
        catch (RegexMatchTimeoutException)
        {
            throw new SlotSharpException(
                $"{_origin}: regex \"{Pattern}\" took longer than {_regex.MatchTimeout.TotalSeconds:0.###} s on one match "
                + "(catastrophic backtracking); fix the pattern, or raise TokenizerOptions.RegexMatchTimeout if it is known to be safe");
        }
    }

    void MatchesCore(string text, int start, int length, List<(int Start, int Length)> output)
    {
        var span = text.AsSpan(start, length);
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var m in _regex.EnumerateMatches(span))
                if (m.Length > 0) output.Add((start + m.Index, m.Length));
            return;
        }
        var (mapped, origin) = ReplaceAstral(span);
        foreach (var m in _regex.EnumerateMatches(mapped))
        {
            if (m.Length == 0) continue;
            int s = origin[m.Index], e = origin[m.Index + m.Length];
            output.Add((start + s, e - s));
        }
    }

    /// <summary>
    /// One char per code point; origin[i] is the original index of mapped char i (origin[len] = span length).
    /// Lone surrogates stay as they are (they only occur in malformed input, which encoders replace first).
    /// </summary>
    static (string Mapped, int[] Origin) ReplaceAstral(ReadOnlySpan<char> span)
    {
        var sb = new StringBuilder(span.Length);
        var origin = new List<int>(span.Length + 1);
        for (int i = 0; i < span.Length; i++)
        {
            origin.Add(i);
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                var cp = char.ConvertToUtf32(span[i], span[i + 1]);
                sb.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(cp)));
                i++;
            }
            else sb.Append(span[i]);
        }
        origin.Add(span.Length);
        return (sb.ToString(), origin.ToArray());
    }

    /// <summary>A BMP character of the given category that no tokenizer pattern names literally.</summary>
    static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u00C0',
        UnicodeCategory.LowercaseLetter => '\u00E0',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A7',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u00B4',
        UnicodeCategory.OtherSymbol => '\u00A6',
        _ => '\u0378', // unassigned (Cn); astral code points are never Z*, Cc or Cs
    };
}
