using SlotSharp.Slot;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>Chunked streaming, batches, short prompts, non-finite values and option validation.</summary>
public class SlotBehaviourTests
{
    static SlotResult Run(SlotProblem p, SlotOptions options, Action<string>? warn = null)
    {
        using var h = p.HTensor(float32);
        using var w = p.WTensor(float32);
        using var runner = new SlotRunner(w, options, warn);
        return runner.Run(h, p.Ids);
    }

    [SkippableTheory]
    [InlineData(SlotOptimizerKind.AdamW)]
    [InlineData(SlotOptimizerKind.Vllm)]
    public void ChunkedStreamingMatchesCachedAndOracle(SlotOptimizerKind kind)
    {
        var p = SlotProblem.Random(31, T: 30, d: 16, V: 500).RoundedToFloat32();
        var options = new SlotOptions { Times = 5, Lr = 0.1, Optimizer = kind };
        using var cached = Run(p, options);
        // 4 rows of 500 floats per chunk: 29 positions stream as 7 full chunks and one of 1 row.
        using var chunked = Run(p, options with { MemoryBudgetBytes = 4 * 500 * sizeof(float) });
        var oracle = SlotOracle.Run(p.H, p.W, p.Ids, kind, 5, 0.1);
        SlotAssert.RelativeL2(SlotAssert.ToDoubles(cached.Delta), SlotAssert.ToDoubles(chunked.Delta), 1e-5, "chunked vs cached delta");
        SlotAssert.RelativeL2(oracle.Delta, SlotAssert.ToDoubles(chunked.Delta), 1e-4, "chunked vs oracle delta");
        for (int k = 0; k <= 5; k++)
        {
            SlotAssert.RelativeClose(cached.Losses[k], chunked.Losses[k], 1e-6, $"chunked loss {k}");
            SlotAssert.RelativeClose(oracle.Losses[k], chunked.Losses[k], 1e-5, $"oracle loss {k}");
        }
    }

    [SkippableFact]
    public void WideLogitBiasFallsBackToExactSoftmaxAndStillMatchesOracle()
    {
        // Large W and lr 1: u = W delta spans far more than the factorized path's range limit of 40 nats.
        var p = SlotProblem.Random(32, T: 10, d: 8, V: 300, wScale: 3.0).RoundedToFloat32();
        using var r = Run(p, new SlotOptions { Times = 5, Lr = 1.0 });
        var b = r.LogitBias.data<float>().ToArray();
        Assert.True(b.Max() - b.Min() > 40, $"test needs a wide bias, got range {b.Max() - b.Min()}");
        var oracle = SlotOracle.Run(p.H, p.W, p.Ids, SlotOptimizerKind.AdamW, 5, 1.0);
        SlotAssert.RelativeL2(oracle.Delta, SlotAssert.ToDoubles(r.Delta), 1e-4, "delta");
        for (int k = 0; k <= 5; k++) SlotAssert.RelativeClose(oracle.Losses[k], r.Losses[k], 1e-5, $"loss {k}");
    }

    [SkippableTheory]
    [InlineData(SlotImplKind.Fast, SlotOptimizerKind.AdamW)]
    [InlineData(SlotImplKind.Fast, SlotOptimizerKind.Vllm)]
    [InlineData(SlotImplKind.Reference, SlotOptimizerKind.AdamW)]
    public void BatchMatchesTheOracleForEachPrompt(SlotImplKind impl, SlotOptimizerKind kind)
    {
        // RunBatch is a loop over Run, so comparing the two proves nothing: each prompt of a mixed-length batch is
        // checked against the independent float64 oracle instead (a mixed-up prompt, delta or Adam state fails).
        var w = SlotProblem.Random(40, T: 1, d: 8, V: 60).W;
        var lengths = new[] { 5, 1, 12, 2 };
        var prompts = lengths.Select((t, i) =>
        {
            var q = SlotProblem.Random(41 + i, T: t, d: 8, V: 60);
            return new SlotProblem { H = q.H, W = w, Ids = q.Ids }.RoundedToFloat32();
        }).ToArray();
        var options = new SlotOptions { Times = 4, Lr = 0.1, Optimizer = kind, Impl = impl };

        using var wt = prompts[0].WTensor(float32);
        var hs = prompts.Select(q => q.HTensor(float32)).ToArray();
        using var batchRunner = new SlotRunner(wt, options);
        var batch = batchRunner.RunBatch([.. prompts.Select((q, i) => new SlotPrompt(hs[i], q.Ids))]);
        for (int i = 0; i < prompts.Length; i++)
        {
            if (lengths[i] < 2)
            {
                Assert.True(batch[i].Skipped); // one token has no next-token loss: zero delta, as alone
                Assert.All(batch[i].Delta, v => Assert.Equal(0f, v));
            }
            else
            {
                var oracle = SlotOracle.Run(prompts[i].H, prompts[i].W, prompts[i].Ids, kind, 4, 0.1);
                SlotAssert.RelativeL2(oracle.Delta, SlotAssert.ToDoubles(batch[i].Delta), 1e-4, $"prompt {i} delta");
                for (int k = 0; k <= 4; k++) SlotAssert.RelativeClose(oracle.Losses[k], batch[i].Losses[k], 1e-5, $"prompt {i} loss {k}");
                for (int k = 0; k < 4; k++) SlotAssert.RelativeClose(oracle.DeltaNorms[k], batch[i].DeltaNorms[k], 1e-4, $"prompt {i} norm {k}");
            }
            batch[i].Dispose();
            hs[i].Dispose();
        }
    }

    [SkippableFact]
    public void ShortPromptsSkipWithOneWarningAndZeroDelta()
    {
        var warnings = new List<string>();
        var p1 = SlotProblem.Random(50, T: 1);
        var p2 = SlotProblem.Random(51, T: 1);
        using var w = p1.WTensor(float32);
        using var h1 = p1.HTensor(float32);
        using var h2 = p2.HTensor(float32);
        using var runner = new SlotRunner(w, new SlotOptions { Times = 5 }, warnings.Add);
        var results = runner.RunBatch([new SlotPrompt(h1, p1.Ids), new SlotPrompt(h2, p2.Ids)]);
        Assert.Single(warnings);
        Assert.Contains("at least 2 tokens", warnings[0]);
        foreach (var r in results)
        {
            Assert.True(r.Skipped);
            Assert.All(r.Delta, v => Assert.Equal(0f, v));
            Assert.All(r.LogitBias.data<float>().ToArray(), v => Assert.Equal(0f, v));
            Assert.Empty(r.Losses);
            r.Dispose();
        }
    }

    [SkippableFact]
    public void TimesZeroSkipsSilently()
    {
        var warnings = new List<string>();
        using var r = Run(SlotProblem.Random(52), new SlotOptions { Times = 0 }, warnings.Add);
        Assert.True(r.Skipped);
        Assert.Empty(warnings);
        Assert.All(r.Delta, v => Assert.Equal(0f, v));
    }

    [SkippableTheory]
    [InlineData(SlotImplKind.Fast)]
    [InlineData(SlotImplKind.Reference)]
    public void NaNHiddenStateStopsBeforeTheFirstStep(SlotImplKind impl)
    {
        var p = SlotProblem.Random(53);
        p.H[2, 3] = double.NaN;
        var warnings = new List<string>();
        using var r = Run(p, new SlotOptions { Impl = impl }, warnings.Add);
        Assert.NotNull(r.StopReason);
        Assert.Single(warnings);
        Assert.Contains("non-finite", warnings[0]);
        Assert.Equal(0, r.StepsTaken);
        Assert.True(double.IsNaN(r.Losses.Single()));
        Assert.All(r.Delta, v => Assert.Equal(0f, v));
    }

    [SkippableTheory]
    [InlineData(SlotImplKind.Fast)]
    [InlineData(SlotImplKind.Reference)]
    public void OverflowMidwayKeepsTheLastFiniteDelta(SlotImplKind impl)
    {
        // lr 3e37: step 1 moves every component by about 3e37 (finite in float32); with W ~ N(0, 10²) W delta then
        // overflows to inf, so the loss before step 2 is NaN and the delta of step 1 must be kept.
        var p = SlotProblem.Random(54, T: 6, d: 8, V: 50, wScale: 10);
        var warnings = new List<string>();
        using var r = Run(p, new SlotOptions { Times = 5, Lr = 3e37, Impl = impl }, warnings.Add);
        using var oneStep = Run(p, new SlotOptions { Times = 1, Lr = 3e37, Impl = impl });
        Assert.NotNull(r.StopReason);
        Assert.Single(warnings);
        Assert.Equal(1, r.StepsTaken);
        Assert.All(r.Delta, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(oneStep.Delta, r.Delta);
    }

    [SkippableTheory]
    [InlineData(-1, 0.1, "'times'")]
    [InlineData(5, 0.0, "'lr'")]
    [InlineData(5, -0.1, "'lr'")]
    [InlineData(5, double.NaN, "'lr'")]
    [InlineData(5, double.PositiveInfinity, "'lr'")]
    public void InvalidOptionsAreRejectedNamingTheOption(int times, double lr, string name)
    {
        using var w = torch.zeros(10, 4);
        var e = Assert.Throws<SlotSharpException>(() => new SlotRunner(w, new SlotOptions { Times = times, Lr = lr }));
        Assert.Contains(name, e.Message);
    }

    [SkippableFact]
    public void HalfPrecisionInputsWork()
    {
        // bf16 -> float32 is exact, so the fast path on bf16 tensors must equal the fast path on their float32 copies.
        var p = SlotProblem.Random(60, T: 8, d: 16, V: 200);
        using var h16 = p.HTensor(bfloat16);
        using var w16 = p.WTensor(bfloat16);
        using var h32 = h16.to(float32);
        using var w32 = w16.to(float32);
        var options = new SlotOptions { Times = 3 };
        using var halfRunner = new SlotRunner(w16, options);
        using var floatRunner = new SlotRunner(w32, options);
        using var referenceRunner = new SlotRunner(w16, options with { Impl = SlotImplKind.Reference });
        using var fromHalf = halfRunner.Run(h16, p.Ids);
        using var fromFloat = floatRunner.Run(h32, p.Ids);
        Assert.Equal(fromFloat.Delta, fromHalf.Delta);
        // The reference keeps the original's dtype behaviour (bf16 delta and GEMM, float32 CE): close, not equal.
        using var reference = referenceRunner.Run(h16, p.Ids);
        SlotAssert.RelativeClose(fromFloat.Losses[0], reference.Losses[0], 2e-2, "bf16 reference loss 0");
    }

    [SkippableFact]
    public void MismatchedHiddenWidthIsRejected()
    {
        using var w = torch.zeros(10, 4);
        using var h = torch.zeros(3, 5);
        using var runner = new SlotRunner(w, new SlotOptions());
        var e = Assert.Throws<SlotSharpException>(() => runner.Run(h, [1, 2, 3]));
        Assert.Contains("hidden size is 4", e.Message);
    }
}
