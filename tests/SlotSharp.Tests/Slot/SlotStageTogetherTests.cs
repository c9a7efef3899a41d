using SlotSharp.Slot;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>
/// <see cref="SlotStage.AdvanceTogether"/> shares the passes over W of several stages (one W [delta_1..delta_k] and one
/// [r_1..r_k]ᵀ W per step). Each stage must still take the steps it takes alone (the single-stage path is checked
/// against the oracle and the goldens elsewhere): only the shared product's rounding may differ.
/// </summary>
public class SlotStageTogetherTests
{
    const int D = 16, V = 512;

    sealed record Spec(int Seed, int T, SlotOptions Options, int StartAtStep);

    static readonly Spec[] Mixed =
    [
        new(1, 9, new SlotOptions { Times = 5, Lr = 0.1 }, 0),
        new(2, 23, new SlotOptions { Times = 5, Lr = 0.1, Optimizer = SlotOptimizerKind.Vllm }, 0),
        new(3, 4, new SlotOptions { Times = 2, Lr = 0.2 }, 0), // finishes three steps before the others
        new(4, 15, new SlotOptions { Times = 5, Lr = 0.05, Optimizer = SlotOptimizerKind.Vllm }, 2), // joins at step 3
        new(5, 12, new SlotOptions { Times = 4, Lr = 0.1, MemoryBudgetBytes = 3 * V * sizeof(float) }, 1), // streaming path
        new(6, 7, new SlotOptions { Times = 3, Lr = 0.1, Impl = SlotImplKind.Reference }, 0), // advances alone
    ];

    /// <summary>
    /// The shared products take each row's product with every input in turn and sum the blocks of Wᵀ r in block order,
    /// as a single product does (docs/engine.md), so sharing a step changes no bit of any stage's result.
    /// </summary>
    [SkippableFact]
    public void StagesAdvancedTogether_AreBitIdenticalToEachAlone()
    {
        using var scope = NewDisposeScope();
        var w = SlotProblem.Random(seed: 99, T: 1, d: D, V: V).WTensor(ScalarType.Float32);
        var alone = Mixed.Select(spec => Alone(w, spec)).ToArray();
        var together = Together(w, Mixed);
        for (int i = 0; i < Mixed.Length; i++)
        {
            Assert.Equal(Mixed[i].Options.Times + 1, together[i].Losses.Count);
            Assert.True(alone[i].Delta.Any(x => x != 0), $"stage {i} learned nothing, so it tests nothing");
            Assert.Equal(alone[i].Losses, together[i].Losses);
            Assert.Equal(alone[i].Delta, together[i].Delta);
            Assert.Equal(alone[i].LogitBias.data<float>().ToArray(), together[i].LogitBias.data<float>().ToArray());
        }
        foreach (var r in alone.Concat(together)) r.Dispose();
    }

    [SkippableTheory]
    [InlineData(SlotOptimizerKind.AdamW)]
    [InlineData(SlotOptimizerKind.Vllm)]
    public void OneStageTogether_IsBitIdenticalToAdvance(SlotOptimizerKind optimizer)
    {
        using var scope = NewDisposeScope();
        var w = SlotProblem.Random(seed: 98, T: 1, d: D, V: V).WTensor(ScalarType.Float32);
        var spec = new Spec(7, 11, new SlotOptions { Times = 5, Lr = 0.1, Optimizer = optimizer }, 0);
        using var alone = Alone(w, spec);
        using var together = Together(w, [spec])[0];
        Assert.Equal(alone.Losses, together.Losses);
        Assert.Equal(alone.Delta, together.Delta);
        Assert.Equal(alone.LogitBias.data<float>().ToArray(), together.LogitBias.data<float>().ToArray());
    }

    [SkippableFact]
    public void AFinishedStage_IsRefused()
    {
        using var scope = NewDisposeScope();
        var w = SlotProblem.Random(seed: 97, T: 1, d: D, V: V).WTensor(ScalarType.Float32);
        var problem = SlotProblem.Random(seed: 8, T: 5, d: D, V: V);
        using var runner = new SlotRunner(w, new SlotOptions { Times = 1 });
        using var stage = runner.Start(problem.HTensor(ScalarType.Float32), problem.Ids);
        stage.Advance();
        Assert.Throws<InvalidOperationException>(() => SlotStage.AdvanceTogether([stage]));
    }

    static SlotResult Alone(Tensor w, Spec spec)
    {
        var problem = SlotProblem.Random(spec.Seed, spec.T, D, V);
        using var runner = new SlotRunner(w, spec.Options);
        return runner.Run(problem.HTensor(ScalarType.Float32), problem.Ids);
    }

    /// <summary>Each stage joins at its StartAtStep-th shared step; all advance together until every one has finished.</summary>
    static SlotResult[] Together(Tensor w, IReadOnlyList<Spec> specs)
    {
        var runners = specs.Select(s => new SlotRunner(w, s.Options)).ToArray();
        var stages = specs.Select((s, i) =>
        {
            var problem = SlotProblem.Random(s.Seed, s.T, D, V);
            return runners[i].Start(problem.HTensor(ScalarType.Float32), problem.Ids, ownRunner: true);
        }).ToArray();
        try
        {
            for (int step = 0; stages.Any(s => !s.Finished); step++)
                SlotStage.AdvanceTogether(stages.Where((s, i) => !s.Finished && specs[i].StartAtStep <= step).ToList());
            return stages.Select(s => s.Complete()).ToArray();
        }
        finally
        {
            foreach (var s in stages) s.Dispose();
        }
    }
}
