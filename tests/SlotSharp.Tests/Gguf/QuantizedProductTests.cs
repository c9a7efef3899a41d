using SlotSharp.Gguf;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// SLOT's products over a quantized W read in place (GgufOutputWeight, rows decoded one at a time on parallel workers)
/// equal the products of ggml's own dequantization of the whole matrix, taken in float64, up to summation order
/// (relative 1e-6 of Σ|terms|): u = W x (the logit bias) and g = Wᵀ r (the gradient). V spans several of the
/// workers' row blocks; the K-quant widths are multiples of 256, which the shared and benchmark shapes never are.
/// </summary>
public sealed class QuantizedProductTests
{
    public static TheoryData<GgmlType, int> Types() => new()
    {
        { GgmlType.Q8_0, 96 }, { GgmlType.Q5_0, 96 }, { GgmlType.IQ4_NL, 96 }, { GgmlType.F16, 96 }, { GgmlType.BF16, 96 },
        { GgmlType.Q4_K, 256 }, { GgmlType.Q6_K, 512 }, { GgmlType.Q5_K, 256 }, { GgmlType.IQ4_XS, 256 },
    };

    [SkippableTheory]
    [MemberData(nameof(Types))]
    public void ProductsEqualTheDequantizedMatrixsProducts(GgmlType type, int hidden)
    {
        GgmlPeer.RequireReferenceArithmetic(type);
        const int vocab = 4500; // three of WeightProducts' 2048-row blocks
        var weights = GgmlRowDecoderTests.SyntheticWeights(vocab, hidden, seed: 11 + (int)type);
        var stored = GgmlPeer.Quantize(type, weights, vocab, hidden);
        var dequantized = GgmlPeer.Dequantize(type, stored, (long)vocab * hidden);
        var files = new GgufOutputWeightTests();
        try
        {
            using var head = GgufOutputWeight.Open(files.WriteModel(type, hidden, vocab, stored, tied: true));
            var rng = new Random(5);
            var x = Enumerable.Range(0, hidden).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var r = Enumerable.Range(0, vocab).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e-3f).ToArray();

            var u = new HostSlotMath(head, threads: 2).LogitBias(x);
            for (int v = 0; v < vocab; v++)
            {
                double exact = 0, magnitude = 0;
                for (int j = 0; j < hidden; j++) { exact += (double)dequantized[v * hidden + j] * x[j]; magnitude += Math.Abs((double)dequantized[v * hidden + j] * x[j]); }
                Assert.True(Math.Abs(u[v] - exact) <= 1e-6 * magnitude + 1e-30, $"{type} u[{v}] = {u[v]}, dequantized product {exact}");
            }

            var g = WeightProducts.TransposedProducts(head, [r], threads: 2)[0];
            for (int j = 0; j < hidden; j++)
            {
                double exact = 0, magnitude = 0;
                for (int v = 0; v < vocab; v++) { exact += (double)dequantized[v * hidden + j] * r[v]; magnitude += Math.Abs((double)dequantized[v * hidden + j] * r[v]); }
                Assert.True(Math.Abs(g[j] - exact) <= 1e-6 * magnitude + 1e-30, $"{type} g[{j}] = {g[j]}, dequantized product {exact}");
            }
        }
        finally { files.Dispose(); }
    }
}
