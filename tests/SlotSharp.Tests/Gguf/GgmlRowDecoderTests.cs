using System.Runtime.InteropServices;
using SlotSharp.Gguf;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// The C# row decoders (GgmlDequantize) against ggml's own (libggml-base's to_float, GgmlPeer): rows quantized by
/// ggml's quantizer, and blocks of arbitrary bytes, decode to the same float32 bits, on the AVX2 paths and the scalar
/// ones. Every type llama.cpp writes an output weight in is covered; none of them needs an importance matrix (the
/// ones that do, IQ1_S, IQ2_XXS, IQ2_XS, are not decoded here at all).
/// </summary>
public unsafe class GgmlRowDecoderTests
{
    static readonly GgmlType[] BlockTypes32 = [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.IQ4_NL];
    static readonly GgmlType[] BlockTypes256 = [GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS];

    /// <summary>Each type with widths of one block, a few, and a real hidden size (Qwen2.5-0.5B's 896; 1024).</summary>
    public static TheoryData<GgmlType, int> QuantizedShapes()
    {
        var data = new TheoryData<GgmlType, int>();
        foreach (var t in BlockTypes32) foreach (var w in new[] { 32, 96, 896 }) data.Add(t, w);
        foreach (var t in BlockTypes256) foreach (var w in new[] { 256, 512, 1024 }) data.Add(t, w);
        // Widths that leave a tail after the 8- and 16-wide vector loops.
        foreach (var t in new[] { GgmlType.F16, GgmlType.BF16 }) foreach (var w in new[] { 7, 100, 896 }) data.Add(t, w);
        return data;
    }

    public static TheoryData<GgmlType> QuantizedTypes() => [.. BlockTypes32, .. BlockTypes256];

    [SkippableTheory]
    [MemberData(nameof(QuantizedShapes))]
    public void RowsQuantizedByGgmlDecodeToGgmlsFloats(GgmlType type, int width)
    {
        GgmlPeer.RequireReferenceArithmetic(type);
        Assert.False(GgmlPeer.RequiresImatrix(type));
        const int rows = 6;
        var source = SyntheticWeights(rows, width, seed: (int)type * 1000 + width);
        var stored = GgmlPeer.Quantize(type, source, rows, width);
        AssertDecodesLikeGgml(type, stored, rows, width);
    }

    [SkippableTheory]
    [MemberData(nameof(QuantizedTypes))]
    public void ArbitraryBlockBytesDecodeToGgmlsFloats(GgmlType type)
    {
        // ggml's quantizer writes only some bit patterns (scales, high bits, signs); random bytes reach the rest.
        // The fp16 scale fields (ggml-common.h's layouts) get random finite halves, subnormals included: a NaN or
        // Inf scale is not a weight, and NaN payloads are not compared.
        GgmlPeer.RequireReferenceArithmetic(type);
        const int rows = 4;
        var (blockElements, blockBytes) = GgufFormat.Block(type);
        int width = 4 * blockElements;
        var rng = new Random((int)type);
        var stored = new byte[GgmlPeer.RowSize(type, width) * rows];
        rng.NextBytes(stored);
        for (int block = 0; block < stored.Length / blockBytes; block++)
        {
            foreach (var offset in HalfFields(type))
            {
                int bits = rng.Next(0x10000);
                if ((bits & 0x7C00) == 0x7C00) bits &= ~0x4000;
                BitConverter.TryWriteBytes(stored.AsSpan(block * blockBytes + offset, 2), (ushort)bits);
            }
        }
        AssertDecodesLikeGgml(type, stored, rows, width);
    }

    /// <summary>Where ggml-common.h puts each block's fp16 fields (d, and m or dmin).</summary>
    static int[] HalfFields(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL or GgmlType.IQ4_XS => [0],
        GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        GgmlType.Q6_K => [208],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [SkippableFact]
    public void EveryHalfDecodesToGgmlsFloat()
    {
        GgmlPeer.Require();
        var stored = new byte[65536 * 2];
        for (int h = 0; h < 65536; h++) BitConverter.TryWriteBytes(stored.AsSpan(2 * h), (ushort)h);
        var expected = GgmlPeer.Dequantize(GgmlType.F16, stored, 65536);
        foreach (var vectors in new[] { true, false })
        {
            var actual = Decode(GgmlType.F16, stored, 65536, vectors);
            for (int h = 0; h < 65536; h++)
            {
                if (float.IsNaN(expected[h])) Assert.True(float.IsNaN(actual[h]), $"half 0x{h:X4} is NaN in ggml, {actual[h]} here");
                else Assert.True(Bits(expected[h]) == Bits(actual[h]), $"half 0x{h:X4}: ggml {expected[h]:R}, here {actual[h]:R} (vectors: {vectors})");
            }
        }
    }

    [SkippableFact]
    public void EveryBFloat16DecodesToGgmlsFloatBitForBit()
    {
        GgmlPeer.Require();
        var stored = new byte[65536 * 2];
        for (int h = 0; h < 65536; h++) BitConverter.TryWriteBytes(stored.AsSpan(2 * h), (ushort)h);
        var expected = GgmlPeer.Dequantize(GgmlType.BF16, stored, 65536);
        foreach (var vectors in new[] { true, false })
            AssertSameBits(expected, Decode(GgmlType.BF16, stored, 65536, vectors), GgmlType.BF16, 65536, vectors);
    }

    [SkippableFact]
    public void TypeNumbersAndBlockSizesAreGgmls()
    {
        GgmlPeer.Require();
        foreach (var type in Enum.GetValues<GgmlType>())
        {
            Assert.Equal(type.ToString(), GgmlPeer.TypeName(type), ignoreCase: true);
            var (elements, bytes) = GgufFormat.Block(type);
            Assert.Equal(GgmlPeer.BlockSize(type), elements);
            Assert.Equal(GgmlPeer.TypeSize(type), bytes);
            var traits = GgmlPeer.Traits(type);
            Assert.Equal(GgmlPeer.BlockSize(type), traits->BlockSize);
            Assert.Equal(GgmlPeer.TypeSize(type), (long)traits->TypeSize);
            Assert.Equal(GgmlPeer.TypeName(type), Marshal.PtrToStringUTF8(traits->TypeName));
        }
    }

    [SkippableFact]
    public void ATypeWithoutADecoderIsRefusedWithItsName()
    {
        var e = Assert.Throws<SlotSharpException>(() =>
        {
            var stored = new byte[292];
            fixed (byte* p = stored) GgmlDequantize.ToFloat32(GgmlType.Q8_K, p, stored.Length, new float[256], "m.gguf: tensor 'x'");
        });
        Assert.StartsWith("m.gguf: tensor 'x' has type Q8_K, which SlotSharp cannot read (", e.Message);
    }

    static void AssertDecodesLikeGgml(GgmlType type, byte[] stored, int rows, int width)
    {
        var expected = GgmlPeer.Dequantize(type, stored, (long)rows * width);
        foreach (var vectors in new[] { true, false })
            AssertSameBits(expected, Decode(type, stored, rows, width, vectors), type, width, vectors);
    }

    /// <summary>Row by row, as the output weight decodes them, each into its own buffer.</summary>
    static float[] Decode(GgmlType type, byte[] stored, int rows, int width, bool vectors)
    {
        long rowBytes = GgufFormat.ByteSize(type, width);
        Assert.Equal(GgmlPeer.RowSize(type, width), rowBytes);
        var output = new float[rows * width];
        var row = new float[width];
        fixed (byte* src = stored)
        fixed (float* dst = row)
        {
            for (int r = 0; r < rows; r++)
            {
                row.AsSpan().Fill(float.NaN);
                GgmlDequantize.Row(type, src + r * rowBytes, dst, width, vectors);
                row.CopyTo(output, r * width);
            }
        }
        return output;
    }

    static float[] Decode(GgmlType type, byte[] stored, int count, bool vectors) => Decode(type, stored, 1, count, vectors);

    static void AssertSameBits(float[] expected, float[] actual, GgmlType type, int width, bool vectors)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (Bits(expected[i]) != Bits(actual[i]))
                Assert.Fail($"{type} (vectors: {vectors}) row {i / width} column {i % width}: ggml {expected[i]:R} " +
                            $"(0x{Bits(expected[i]):X8}), here {actual[i]:R} (0x{Bits(actual[i]):X8})");
        }
    }

    static int Bits(float f) => BitConverter.SingleToInt32Bits(f);

    /// <summary>
    /// Weight-like rows: Gaussian with a scale per row over four decades, a few outliers, an all-zero block, a
    /// constant run and a row of one sign, so the quantizers take their zero, min = max and asymmetric paths.
    /// </summary>
    internal static float[] SyntheticWeights(int rows, int width, int seed)
    {
        var rng = new Random(seed);
        var w = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double scale = Math.Pow(10, -3 + 4 * rng.NextDouble());
            for (int c = 0; c < width; c++)
            {
                double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                w[r * width + c] = (float)(scale * g * (rng.Next(64) == 0 ? 20 : 1));
            }
        }
        w.AsSpan(0, Math.Min(32, width)).Clear();
        if (rows > 1) w.AsSpan(width, Math.Min(32, width)).Fill(0.25f);
        if (rows > 2) for (int c = 0; c < width; c++) w[2 * width + c] = Math.Abs(w[2 * width + c]) + 0.01f;
        return w;
    }
}
