using System.Buffers.Binary;
using CsCheck;

namespace SlotSharp.Fuzz.Mutation;

/// <summary>
/// Byte-level mutations of seed files, as CsCheck generators: bit flips, byte overwrites with parser-sensitive
/// values, inserts, deletes, in-file copies, splices from other seeds, truncation and little-endian integer
/// overwrites. Positions are drawn as unsigned integers and taken modulo the current length, so shrinking
/// (smaller draws) moves edits towards the start and towards fewer, smaller edits.
/// </summary>
public static class ByteMutations
{
    static readonly byte[] InterestingBytes = "{}[]\":,\\-.+eE0 \n\t\r\0"u8.ToArray().Concat(new byte[] { 0x7F, 0x80, 0xC0, 0xFF }).ToArray();

    /// <summary>Bounds a parser's checks tend to get wrong (sizes, lengths, sign bits), written 1, 2, 4 or 8 bytes wide.</summary>
    static readonly ulong[] InterestingIntegers =
        [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
         long.MaxValue, 0x8000_0000_0000_0000, ulong.MaxValue];

    /// <summary>One to <paramref name="maxEdits"/> edits applied to one of the seeds.</summary>
    public static Gen<byte[]> Mutate(IReadOnlyList<byte[]> seeds, int maxEdits = 8)
    {
        var edit = Gen.Frequency(
            (4, Gen.Select(Gen.UInt, Gen.Int[0, 7], (p, bit) => Edit(d => FlipBit(d, p, bit)))),
            (4, Gen.Select(Gen.UInt, Gen.Int[0, InterestingBytes.Length - 1], (p, i) => Edit(d => SetByte(d, p, InterestingBytes[i])))),
            (2, Gen.Select(Gen.UInt, Gen.Byte, (p, b) => Edit(d => SetByte(d, p, b)))),
            (3, Gen.Select(Gen.UInt, Gen.Byte.Array[1, 16], (p, bytes) => Edit(d => Insert(d, p, bytes)))),
            (3, Gen.Select(Gen.UInt, Gen.Int[1, 64], (p, n) => Edit(d => Delete(d, p, n)))),
            (2, Gen.Select(Gen.UInt, Gen.UInt, Gen.Int[1, 256], (from, to, n) => Edit(d => CopyWithin(d, from, to, n)))),
            (2, Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.UInt, Gen.UInt, Gen.Int[1, 512],
                (s, from, to, n) => Edit(d => Splice(d, seeds[s], from, to, n)))),
            (1, Gen.UInt.Select(p => Edit(d => d.Length == 0 ? d : d[..(int)(p % d.Length)]))),
            (2, Gen.Select(Gen.UInt, Gen.Int[0, InterestingIntegers.Length - 1], Gen.Int[0, 3],
                (p, i, w) => Edit(d => WriteInteger(d, p, InterestingIntegers[i], 1 << w)))));
        return Gen.Select(Gen.Int[0, seeds.Count - 1], edit.Array[1, maxEdits],
            (s, edits) => edits.Aggregate(seeds[s], (data, e) => e(data)));
    }

    static Func<byte[], byte[]> Edit(Func<byte[], byte[]> f) => f;

    static int At(byte[] d, uint p) => d.Length == 0 ? 0 : (int)(p % (uint)d.Length);

    static byte[] FlipBit(byte[] d, uint p, int bit) => d.Length == 0 ? d : SetByte(d, p, (byte)(d[At(d, p)] ^ (1 << bit)));

    static byte[] SetByte(byte[] d, uint p, byte value)
    {
        if (d.Length == 0) return [value];
        var copy = (byte[])d.Clone();
        copy[At(d, p)] = value;
        return copy;
    }

    static byte[] Insert(byte[] d, uint p, byte[] bytes)
    {
        int at = d.Length == 0 ? 0 : (int)(p % (uint)(d.Length + 1));
        return [.. d.AsSpan(0, at), .. bytes, .. d.AsSpan(at)];
    }

    static byte[] Delete(byte[] d, uint p, int n)
    {
        if (d.Length == 0) return d;
        int at = At(d, p);
        n = Math.Min(n, d.Length - at);
        return [.. d.AsSpan(0, at), .. d.AsSpan(at + n)];
    }

    static byte[] CopyWithin(byte[] d, uint from, uint to, int n) => d.Length == 0 ? d : Splice(d, d, from, to, n);

    /// <summary>Inserts up to n bytes of <paramref name="source"/> (from <paramref name="from"/>) at <paramref name="to"/>.</summary>
    static byte[] Splice(byte[] d, byte[] source, uint from, uint to, int n)
    {
        if (source.Length == 0) return d;
        int start = At(source, from);
        return Insert(d, to, source.AsSpan(start, Math.Min(n, source.Length - start)).ToArray());
    }

    static byte[] WriteInteger(byte[] d, uint p, ulong value, int width)
    {
        if (d.Length < width) return d;
        var copy = (byte[])d.Clone();
        int at = (int)(p % (uint)(d.Length - width + 1));
        Span<byte> le = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(le, value);
        le[..width].CopyTo(copy.AsSpan(at));
        return copy;
    }
}
