namespace SlotSharp.Generation.Constraints;

/// <summary>
/// A set of Unicode scalar values as sorted, disjoint, non-adjacent inclusive ranges: what a grammar's character
/// class, literal character or "." stands for. Surrogates (U+D800..U+DFFF) are never members: they have no UTF-8.
/// </summary>
internal sealed class CodePointRanges
{
    public const int MaxCodePoint = 0x10FFFF;

    public CodePointRanges(IEnumerable<(int Lo, int Hi)> ranges) => Ranges = Normalize(ranges);

    public IReadOnlyList<(int Lo, int Hi)> Ranges { get; }

    public static CodePointRanges Single(int c) => new([(c, c)]);

    public static CodePointRanges All { get; } = new([(0, MaxCodePoint)]);

    public bool IsEmpty => Ranges.Count == 0;

    public CodePointRanges Complement()
    {
        var result = new List<(int, int)>();
        int next = 0;
        foreach (var (lo, hi) in Ranges)
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return new CodePointRanges(result);
    }

    public CodePointRanges Except(CodePointRanges other) => Intersect(other.Complement());

    public CodePointRanges Intersect(CodePointRanges other)
    {
        var result = new List<(int, int)>();
        int i = 0, j = 0;
        while (i < Ranges.Count && j < other.Ranges.Count)
        {
            var (a, b) = Ranges[i];
            var (c, d) = other.Ranges[j];
            int lo = Math.Max(a, c), hi = Math.Min(b, d);
            if (lo <= hi) result.Add((lo, hi));
            if (b < d) i++; else j++;
        }
        return new CodePointRanges(result);
    }

    public CodePointRanges Union(CodePointRanges other) => new(Ranges.Concat(other.Ranges));

    static List<(int Lo, int Hi)> Normalize(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var sorted = new List<(int Lo, int Hi)>();
        foreach (var (lo0, hi0) in ranges)
        {
            int lo = Math.Max(lo0, 0), hi = Math.Min(hi0, MaxCodePoint);
            if (lo > hi) continue;
            // Cut the surrogate block out: a character class over it would need bytes UTF-8 never produces.
            if (lo < 0xD800 && hi > 0xDFFF) { sorted.Add((lo, 0xD7FF)); sorted.Add((0xE000, hi)); continue; }
            if (lo >= 0xD800 && hi <= 0xDFFF) continue;
            if (lo >= 0xD800 && lo <= 0xDFFF) lo = 0xE000;
            if (hi >= 0xD800 && hi <= 0xDFFF) hi = 0xD7FF;
            sorted.Add((lo, hi));
        }
        sorted.Sort();
        var merged = new List<(int Lo, int Hi)>();
        foreach (var r in sorted)
        {
            if (merged.Count > 0 && r.Lo <= merged[^1].Hi + 1)
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, r.Hi));
            else merged.Add(r);
        }
        return merged;
    }
}
