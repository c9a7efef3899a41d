using System.Globalization;
using System.Text;

namespace SlotSharp.Tokenization;

/// <summary>
/// A slice of (normalized) text on its way to the model. <see cref="AtStart"/> marks the slice that begins the
/// original input; Metaspace's prepend_scheme "first" needs it.
/// </summary>
internal readonly record struct Piece(string Text, int Start, int Length, bool AtStart)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);
    public static Piece Whole(string text, bool atStart) => new(text, 0, text.Length, atStart);
}

/// <summary>A tokenizer.json "pre_tokenizer": splits one piece into smaller pieces.</summary>
internal interface IPreTokenizer
{
    void Split(Piece piece, List<Piece> output);
}

/// <summary>HF SplitDelimiterBehavior.</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>
/// Turns a list of (start, length, isMatch) segments covering a piece into pieces, exactly as HF's
/// NormalizedString::split does for each behavior (empty segments are dropped).
/// </summary>
static class SegmentSplitter
{
    public static void Emit(Piece piece, List<(int Start, int Length, bool IsMatch)> segs, SplitBehavior behavior, List<Piece> output)
    {
        var merged = new List<(int Start, int End)>(segs.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var s in segs) merged.Add((s.Start, s.Start + s.Length));
                break;
            case SplitBehavior.Removed:
                foreach (var s in segs) if (!s.IsMatch) merged.Add((s.Start, s.Start + s.Length));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var s in segs)
                {
                    if (s.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, s.Start + s.Length);
                    else merged.Add((s.Start, s.Start + s.Length));
                    previousMatch = s.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (int i = segs.Count - 1; i >= 0; i--)
                {
                    var s = segs[i];
                    if (s.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (s.Start, merged[^1].End);
                    else merged.Add((s.Start, s.Start + s.Length));
                    previousMatch = s.IsMatch;
                }
                merged.Reverse();
                break;
            case SplitBehavior.Contiguous:
                for (int i = 0; i < segs.Count; i++)
                {
                    var s = segs[i];
                    if (i > 0 && s.IsMatch == previousMatch) merged[^1] = (merged[^1].Start, s.Start + s.Length);
                    else merged.Add((s.Start, s.Start + s.Length));
                    previousMatch = s.IsMatch;
                }
                break;
        }
        foreach (var (start, end) in merged)
            if (end > start) output.Add(new Piece(piece.Text, start, end - start, piece.AtStart && start == piece.Start));
    }

    /// <summary>Segments for regex matches: gaps are non-matches; invert flips the flags.</summary>
    public static List<(int, int, bool)> FromMatches(Piece piece, List<(int Start, int Length)> matches, bool invert)
    {
        var segs = new List<(int, int, bool)>(matches.Count * 2 + 1);
        int prev = piece.Start, end = piece.Start + piece.Length;
        foreach (var (s, l) in matches)
        {
            if (s > prev) segs.Add((prev, s - prev, invert));
            segs.Add((s, l, !invert));
            prev = s + l;
        }
        if (prev < end) segs.Add((prev, end - prev, invert));
        return segs;
    }

    /// <summary>
    /// Segments for a character predicate (HF's Pattern for Fn(char)): each matching code point is its own
    /// match, runs of non-matching code points form one segment.
    /// </summary>
    public static List<(int, int, bool)> FromCodePoints(Piece piece, Func<int, bool> isMatch)
    {
        var segs = new List<(int, int, bool)>();
        var span = piece.Span;
        int runStart = 0;
        for (int i = 0; i < span.Length;)
        {
            Rune.DecodeFromUtf16(span[i..], out var rune, out int used);
            if (isMatch(rune.Value))
            {
                if (i > runStart) segs.Add((piece.Start + runStart, i - runStart, false));
                segs.Add((piece.Start + i, used, true));
                runStart = i + used;
            }
            i += used;
        }
        if (span.Length > runStart) segs.Add((piece.Start + runStart, span.Length - runStart, false));
        return segs;
    }
}

/// <summary>Split with a regex (or an escaped literal) and a delimiter behavior.</summary>
internal sealed class SplitPreTokenizer(CodePointRegex regex, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    [ThreadStatic] static List<(int, int)>? t_matches;

    public void Split(Piece piece, List<Piece> output)
    {
        var matches = t_matches ??= new List<(int, int)>();
        matches.Clear();
        regex.Matches(piece.Text, piece.Start, piece.Length, matches);
        if (behavior == SplitBehavior.Isolated && !invert)
        {
            // Fast path (Qwen, Llama-3): matches and the gaps between them, in order.
            int prev = piece.Start;
            foreach (var (s, l) in matches)
            {
                if (s > prev) output.Add(new Piece(piece.Text, prev, s - prev, piece.AtStart && prev == piece.Start));
                output.Add(new Piece(piece.Text, s, l, piece.AtStart && s == piece.Start));
                prev = s + l;
            }
            int end = piece.Start + piece.Length;
            if (end > prev) output.Add(new Piece(piece.Text, prev, end - prev, piece.AtStart && prev == piece.Start));
            return;
        }
        SegmentSplitter.Emit(piece, SegmentSplitter.FromMatches(piece, matches, invert), behavior, output);
    }
}

/// <summary>
/// ByteLevel pre-tokenizer: optional prefix space and GPT-2 regex split. The byte-to-character mapping itself is
/// done by the BPE model on its input (it is the last step of every byte-level pipeline), which saves building
/// mapped strings for words already in the cache.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    static readonly SplitPreTokenizer Gpt2Split = new(
        new CodePointRegex(Gpt2Pattern, TokenizerOptions.DefaultRegexMatchTimeout, "ByteLevel pre-tokenizer"), SplitBehavior.Isolated, false);

    public bool IsIdentity => !addPrefixSpace && !useRegex;

    public void Split(Piece piece, List<Piece> output)
    {
        if (addPrefixSpace && !piece.Span.StartsWith(" "))
            piece = Piece.Whole(" " + piece.Span.ToString(), piece.AtStart);
        if (useRegex) Gpt2Split.Split(piece, output);
        else output.Add(piece);
    }
}

/// <summary>HF PrependScheme for Metaspace.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>Metaspace: spaces become the replacement character ("▁"), optional prefix, split before each "▁".</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        var text = piece.Span.ToString().Replace(' ', replacement);
        bool prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.AtStart);
        if (prepend && !text.StartsWith(replacement)) text = replacement + text;
        var whole = Piece.Whole(text, piece.AtStart);
        if (!split) { output.Add(whole); return; }
        SegmentSplitter.Emit(whole, SegmentSplitter.FromCodePoints(whole, c => c == replacement), SplitBehavior.MergedWithNext, output);
    }
}

/// <summary>Digits: splits numbers out, one per digit when individual_digits is set.</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output) =>
        SegmentSplitter.Emit(piece, SegmentSplitter.FromCodePoints(piece, IsNumeric),
            individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, output);

    /// <summary>Rust char::is_numeric: general categories Nd, Nl, No.</summary>
    static bool IsNumeric(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}

internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> steps) : IPreTokenizer
{
    public IReadOnlyList<IPreTokenizer> Steps => steps;

    public void Split(Piece piece, List<Piece> output)
    {
        var current = new List<Piece> { piece };
        foreach (var step in steps)
        {
            var next = new List<Piece>(current.Count * 4);
            foreach (var p in current) step.Split(p, next);
            current = next;
        }
        output.AddRange(current);
    }
}
