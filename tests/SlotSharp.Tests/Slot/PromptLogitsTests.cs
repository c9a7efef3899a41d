using SlotSharp.Slot;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>
/// The fast path can start from the prompt's logits as the model computed them (llama.cpp returns them with H) instead
/// of its own product H Wᵀ. Given exactly that product, it must take the same steps as without it; given other logits,
/// it must use them (otherwise the argument would silently be ignored).
/// </summary>
public class PromptLogitsTests
{
    static SlotOptions Options(SlotOptimizerKind optimizer) => new() { Times = 5, Lr = 0.1, Optimizer = optimizer };

    [SkippableTheory]
    [InlineData(SlotOptimizerKind.AdamW)]
    [InlineData(SlotOptimizerKind.Vllm)]
    public void GivenTheProductItself_SameTrajectoryAsComputingIt(SlotOptimizerKind optimizer)
    {
        var problem = SlotProblem.Random(seed: 11, T: 9, d: 8, V: 40).RoundedToFloat32();
        using var w = problem.WTensor(ScalarType.Float32);
        using var h = problem.HTensor(ScalarType.Float32);
        using var logits = h.mm(w.t());
        using var runner = new SlotRunner(w, Options(optimizer));

        using var own = runner.Run(h, problem.Ids);
        using var given = SlotStage.RunToEnd(runner.Start(h, problem.Ids, promptLogits: logits));

        Assert.Equal(own.Losses, given.Losses);
        Assert.Equal(own.Delta, given.Delta);
    }

    [SkippableFact]
    public void GivenOtherLogits_UsesThem()
    {
        var problem = SlotProblem.Random(seed: 12, T: 9, d: 8, V: 40).RoundedToFloat32();
        using var w = problem.WTensor(ScalarType.Float32);
        using var h = problem.HTensor(ScalarType.Float32);
        using var logits = h.mm(w.t());
        using var shifted = logits.clone();
        using (var two = 2f.ToScalar()) shifted[0, (int)problem.Ids[1]].add_(two); // raise position 0's target by 2
        using var runner = new SlotRunner(w, Options(SlotOptimizerKind.AdamW));

        using var own = runner.Run(h, problem.Ids);
        using var given = SlotStage.RunToEnd(runner.Start(h, problem.Ids, promptLogits: shifted));

        // The first loss is the mean CE at delta = 0: raising one target logit by 2 must lower it.
        Assert.True(given.Losses[0] < own.Losses[0] - 1e-3, $"{given.Losses[0]} vs {own.Losses[0]}");
    }
}
