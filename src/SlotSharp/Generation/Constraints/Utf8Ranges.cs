namespace SlotSharp.Generation.Constraints;

/// <summary>
/// Splits a range of scalar values into sequences of byte ranges that match exactly their UTF-8 encodings, so the
/// matcher can work on bytes (a token may end inside a character) while grammars speak in characters.
/// </summary>
internal static class Utf8Ranges
{
    /// <summary>Each item is one byte sequence: per position, the inclusive byte range allowed there.</summary>
    public static List<(byte Lo, byte Hi)[]> Split(int lo, int hi)
    {
        var result = new List<(byte Lo, byte Hi)[]>();
        // Cut at the encoded-length boundaries first; inside one length the split below is exact.
        int[] ends = [0x7F, 0x7FF, 0xFFFF, CodePointRanges.MaxCodePoint];
        int start = lo;
        foreach (var end in ends)
        {
            if (start > hi) break;
            if (start > end) continue;
            SplitSameLength(start, Math.Min(hi, end), result);
            start = end + 1;
        }
        return result;
    }

    static void SplitSameLength(int lo, int hi, List<(byte, byte)[]> result)
    {
        int n = Length(lo);
        // Find a continuation-byte boundary the range straddles unevenly and cut there; once none is left, every
        // position's bytes vary independently between the two ends' bytes.
        for (int i = 1; i < n; i++)
        {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) == (hi & ~m)) continue;
            if ((lo & m) != 0) { SplitSameLength(lo, lo | m, result); SplitSameLength((lo | m) + 1, hi, result); return; }
            if ((hi & m) != m) { SplitSameLength(lo, (hi & ~m) - 1, result); SplitSameLength(hi & ~m, hi, result); return; }
        }
        var a = Encode(lo);
        var b = Encode(hi);
        var seq = new (byte, byte)[n];
        for (int k = 0; k < n; k++) seq[k] = (a[k], b[k]);
        result.Add(seq);
    }

    static int Length(int c) => c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;

    public static byte[] Encode(int c) => Length(c) switch
    {
        1 => [(byte)c],
        2 => [(byte)(0xC0 | (c >> 6)), (byte)(0x80 | (c & 0x3F))],
        3 => [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))],
        _ => [(byte)(0xF0 | (c >> 18)), (byte)(0x80 | ((c >> 12) & 0x3F)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))],
    };
}
