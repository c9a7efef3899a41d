using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// Branches that generate nothing (max_new_tokens 0): each wave ends as its SLOT stages complete and the next goes
/// straight back to the stage, which the scheduler must list once (before the branches ran in waves on forks, a
/// second listing advanced the stage twice per step and failed the request).
/// </summary>
public class EngineBranchScoringTests
{
    [SkippableFact]
    public void BranchesWithNoNewTokensEachRunTheirOwnSlotStage()
    {
        using var model = TestModel.Load(SharedAssets.Require("models", "tiny-qwen2"));
        using var engine = new SlotEngine(model.Model);
        var request = new EngineRequest([.. Enumerable.Range(100, 12)])
        {
            Generation = new GenerationOptions { MaxNewTokens = 0 },
        };
        SlotOptions?[] branches = [new SlotOptions { Times = 2, FitTokens = 8 }, null, new SlotOptions { Times = 3, FitTokens = 8 }];
        var results = engine.SubmitBranches(request, branches).GetAwaiter().GetResult();
        Assert.Equal(3, results.Count);
        foreach (var r in results) r.ThrowIfFailed();
        Assert.Equal([3, 0, 4], results.Select(r => r.Slot?.Losses.Count ?? 0));
        Assert.All(results, r => Assert.Empty(r.GeneratedIds));
    }
}
