using System.Runtime.InteropServices;
using SlotSharp.Gguf;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// GgufOutputWeight on small GGUF files written with GgufWriter, their heads quantized by ggml itself (GgmlPeer):
/// every row equals ggml's dequantization of the stored bytes, tied (token_embd.weight) and untied (output.weight,
/// beside an embedding of another type), with other tensors before it so its offset is not the data start.
/// </summary>
public sealed class GgufOutputWeightTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-head-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<GgmlType, int, bool> Heads()
    {
        var data = new TheoryData<GgmlType, int, bool>();
        foreach (var tied in new[] { false, true })
        {
            foreach (var t in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.F16, GgmlType.BF16 })
                data.Add(t, 96, tied);
            foreach (var t in new[] { GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q4_K, GgmlType.Q3_K, GgmlType.Q2_K, GgmlType.IQ4_XS })
                data.Add(t, 256, tied);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Heads))]
    public void RowsAreGgmlsDequantizationOfTheStoredHead(GgmlType type, int hidden, bool tied)
    {
        GgmlPeer.RequireReferenceArithmetic(type);
        const int vocab = 37;
        var weights = GgmlRowDecoderTests.SyntheticWeights(vocab, hidden, seed: (int)type);
        var stored = GgmlPeer.Quantize(type, weights, vocab, hidden);
        var path = WriteModel(type, hidden, vocab, stored, tied);
        var expected = GgmlPeer.Dequantize(type, stored, (long)vocab * hidden);

        using var head = GgufOutputWeight.Open(path);
        Assert.Equal((vocab, hidden, type.ToString()), (head.Rows, head.Columns, head.StorageType));
        var scratch = new float[hidden + 5];
        for (int r = 0; r < vocab; r++)
        {
            var row = head.Row(r, scratch);
            Assert.Equal(hidden, row.Length);
            AssertSameBits(expected.AsSpan(r * hidden, hidden), row, $"{type} row {r}");
        }
        // Concurrent readers, each with its own scratch, read the same rows.
        Parallel.For(0, 4, t =>
        {
            var own = new float[hidden];
            for (int r = t; r < vocab; r += 4) AssertSameBits(expected.AsSpan(r * hidden, hidden), head.Row(r, own), $"{type} row {r}, thread {t}");
        });
    }

    [SkippableFact]
    public void F32RowsAreReturnedFromTheFileInPlace()
    {
        const int vocab = 11, hidden = 24;
        var weights = GgmlRowDecoderTests.SyntheticWeights(vocab, hidden, seed: 7);
        var path = WriteModel(GgmlType.F32, hidden, vocab, MemoryMarshal.AsBytes(weights.AsSpan()).ToArray(), tied: false);
        using var head = GgufOutputWeight.Open(path);
        Assert.Equal("F32", head.StorageType);
        var scratch = new float[hidden];
        for (int r = 0; r < vocab; r++)
        {
            var row = head.Row(r, scratch);
            Assert.False(row.Overlaps(scratch), "an F32 row is read in place, not copied into scratch");
            AssertSameBits(weights.AsSpan(r * hidden, hidden), row, $"F32 row {r}");
        }
        Assert.True(head.Row(0, []).Length == hidden, "an F32 row needs no scratch");
    }

    [SkippableFact]
    public void AHeadThatIsNotAMatrixNamesTheFileAndTensor()
    {
        var path = Path.Combine(_dir, "flat.gguf");
        var w = new GgufWriter();
        w.AddTensor("output.weight", [64], GgmlType.F32, 256, s => s.Write(new byte[256]));
        w.WriteTo(path);
        var e = Assert.Throws<SlotSharpException>(() => GgufOutputWeight.Open(path));
        Assert.Equal($"{path}: tensor 'output.weight' has shape [64], not a V x d matrix ([d, V] in ggml order)", e.Message);
    }

    [SkippableFact]
    public void AHeadOfATypeWithoutADecoderNamesTheFileTensorAndType()
    {
        var path = Path.Combine(_dir, "q8k.gguf");
        var w = new GgufWriter();
        w.AddTensor("token_embd.weight", [256, 3], GgmlType.Q8_K, 3 * 292, s => s.Write(new byte[3 * 292]));
        w.WriteTo(path);
        var e = Assert.Throws<SlotSharpException>(() => GgufOutputWeight.Open(path));
        Assert.StartsWith($"{path}: tensor 'token_embd.weight' has type Q8_K, which SlotSharp cannot read as an output weight (F32, F16, BF16, Q4_0", e.Message);
    }

    [SkippableFact]
    public void AFileWithoutAHeadSaysSo()
    {
        var path = Path.Combine(_dir, "none.gguf");
        var w = new GgufWriter();
        w.AddTensor("output_norm.weight", [4], GgmlType.F32, 16, s => s.Write(new byte[16]));
        w.WriteTo(path);
        Assert.Equal($"{path}: has neither output.weight nor token_embd.weight",
                     Assert.Throws<SlotSharpException>(() => GgufOutputWeight.Open(path)).Message);
    }

    [SkippableFact]
    public void ADisposedHeadIsNotRead()
    {
        var path = WriteModel(GgmlType.F32, 8, 2, new byte[2 * 8 * 4], tied: true);
        var head = GgufOutputWeight.Open(path);
        head.Dispose();
        head.Dispose();
        Assert.Throws<ObjectDisposedException>(() => head.Row(0, new float[8]).Length);
    }

    /// <summary>
    /// A GGUF file holding the head (<paramref name="stored"/>, V x d in <paramref name="type"/>) as token_embd.weight
    /// when tied, else as output.weight after a BF16 token_embd.weight; a norm weight before either shifts its offset.
    /// </summary>
    internal string WriteModel(GgmlType type, int hidden, int vocab, byte[] stored, bool tied)
    {
        var path = Path.Combine(_dir, $"{type}-{(tied ? "tied" : "untied")}.gguf");
        var w = new GgufWriter();
        w.AddString("general.architecture", "qwen2");
        w.AddTensor("output_norm.weight", [hidden], GgmlType.F32, 4L * hidden, s => s.Write(new byte[4 * hidden]));
        if (!tied)
        {
            // A different embedding, so reading it instead of output.weight would show.
            var embedding = new byte[2L * hidden * vocab];
            new Random(1).NextBytes(embedding);
            w.AddTensor("token_embd.weight", [hidden, vocab], GgmlType.BF16, embedding.Length, s => s.Write(embedding));
        }
        w.AddTensor(tied ? "token_embd.weight" : "output.weight", [hidden, vocab], type, stored.Length, s => s.Write(stored));
        w.WriteTo(path);
        return path;
    }

    static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what} column {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
