using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>The fast and reference paths against the independent float64 oracle, and against each other.</summary>
public class SlotOracleAgreementTests
{
    static SlotResult RunSlot(SlotProblem p, ScalarType dtype, SlotOptions options)
    {
        using var h = p.HTensor(dtype);
        using var w = p.WTensor(dtype);
        using var runner = new SlotRunner(w, options);
        return runner.Run(h, p.Ids);
    }

    [SkippableTheory]
    [InlineData(SlotOptimizerKind.AdamW, 5, 0.1)]
    [InlineData(SlotOptimizerKind.AdamW, 3, 0.01)]
    [InlineData(SlotOptimizerKind.AdamW, 5, 1.0)]
    [InlineData(SlotOptimizerKind.Vllm, 5, 0.1)]
    [InlineData(SlotOptimizerKind.Vllm, 4, 1.0)]
    public void ReferenceInFloat64MatchesOracleTightly(SlotOptimizerKind kind, int times, double lr)
    {
        var p = SlotProblem.Random(seed: 11);
        var oracle = SlotOracle.Run(p.H, p.W, p.Ids, kind, times, lr);
        using var r = RunSlot(p, float64, new SlotOptions { Times = times, Lr = lr, Optimizer = kind, Impl = SlotImplKind.Reference });
        for (int k = 0; k <= times; k++) SlotAssert.RelativeClose(oracle.Losses[k], r.Losses[k], 1e-9, $"loss {k}");
        for (int k = 0; k < times; k++) SlotAssert.RelativeClose(oracle.DeltaNorms[k], r.DeltaNorms[k], 1e-7, $"norm {k}");
        SlotAssert.RelativeL2(oracle.Delta, SlotAssert.ToDoubles(r.Delta), 1e-6, "delta");
    }

    [SkippableTheory]
    [InlineData(SlotOptimizerKind.AdamW, 5, 0.1, 21)]
    [InlineData(SlotOptimizerKind.AdamW, 3, 0.01, 22)]
    [InlineData(SlotOptimizerKind.AdamW, 5, 1.0, 23)]
    [InlineData(SlotOptimizerKind.Vllm, 5, 0.1, 24)]
    [InlineData(SlotOptimizerKind.Vllm, 5, 1.0, 25)]
    public void FastAndReferenceInFloat32MatchOracle(SlotOptimizerKind kind, int times, double lr, int seed)
    {
        var p = SlotProblem.Random(seed, T: 9, d: 12, V: 300).RoundedToFloat32();
        var oracle = SlotOracle.Run(p.H, p.W, p.Ids, kind, times, lr);
        foreach (var impl in new[] { SlotImplKind.Fast, SlotImplKind.Reference })
        {
            using var r = RunSlot(p, float32, new SlotOptions { Times = times, Lr = lr, Optimizer = kind, Impl = impl });
            Assert.Equal(times + 1, r.Losses.Count);
            for (int k = 0; k <= times; k++) SlotAssert.RelativeClose(oracle.Losses[k], r.Losses[k], 1e-5, $"{impl} loss {k}");
            for (int k = 0; k < times; k++) SlotAssert.RelativeClose(oracle.DeltaNorms[k], r.DeltaNorms[k], 1e-4, $"{impl} norm {k}");
            SlotAssert.RelativeL2(oracle.Delta, SlotAssert.ToDoubles(r.Delta), 1e-4, $"{impl} delta");
        }
    }

    [SkippableTheory]
    [InlineData(1, SlotOptimizerKind.AdamW)]
    [InlineData(2, SlotOptimizerKind.AdamW)]
    [InlineData(3, SlotOptimizerKind.Vllm)]
    [InlineData(4, SlotOptimizerKind.Vllm)]
    public void FastMatchesReferenceInFloat32(int seed, SlotOptimizerKind kind)
    {
        var p = SlotProblem.Random(seed, T: 20, d: 32, V: 1000);
        var options = new SlotOptions { Times = 5, Lr = 0.1, Optimizer = kind };
        using var fast = RunSlot(p, float32, options);
        using var reference = RunSlot(p, float32, options with { Impl = SlotImplKind.Reference });
        SlotAssert.RelativeL2(SlotAssert.ToDoubles(reference.Delta), SlotAssert.ToDoubles(fast.Delta), 1e-5, "delta");
        for (int k = 0; k < reference.Losses.Count; k++) SlotAssert.RelativeClose(reference.Losses[k], fast.Losses[k], 1e-5, $"loss {k}");
    }

    [SkippableFact]
    public void LogitBiasIsWTimesDelta()
    {
        var p = SlotProblem.Random(5);
        using var r = RunSlot(p, float32, new SlotOptions { Times = 2 });
        var b = r.LogitBias.data<float>().ToArray();
        Assert.Equal(p.W.GetLength(0), b.Length);
        for (int j = 0; j < b.Length; j++)
        {
            double expected = 0;
            for (int i = 0; i < r.Delta.Length; i++) expected += p.W[j, i] * r.Delta[i];
            Assert.True(Math.Abs(expected - b[j]) <= 1e-5 * (1 + Math.Abs(expected)), $"b[{j}] = {b[j]}, expected {expected}");
        }
    }
}
