using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Slot;

/// <summary>
/// The last SLOT stage on a prefill takes the prompt's logits as its E0 instead of copying them (the engine marks it:
/// <see cref="BackendSequence.LastSlotUse"/>). The stage's result must be the copying stage's, bit for bit, and the
/// sequence must no longer hold the logits, which the stage now owns and frees.
/// </summary>
public sealed class LastSlotUseTests : IClassFixture<PipelineFixture>
{
    readonly PipelineFixture _fixture;

    public LastSlotUseTests(PipelineFixture fixture) => _fixture = fixture;

    [SkippableFact]
    public void TheLastStageTakesTheLogitsAndGivesTheCopyingStagesResult()
    {
        var golden = Golden.Load("tiny-qwen2");
        var model = _fixture.Float32(golden);
        var ids = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        using var prefill = model.Prefill(ids, new GenerationOptions { MaxNewTokens = 1 });
        Assert.NotNull(prefill.PromptLogits);
        var options = new SlotOptions { Times = 5, Lr = 0.1 };
        var copied = SlotRuns.RunToEnd(model.Backend.SlotMath, prefill, options);
        Assert.NotNull(prefill.PromptLogits); // an earlier branch copies

        prefill.LastSlotUse = true;
        var taken = SlotRuns.RunToEnd(model.Backend.SlotMath, prefill, options);
        Assert.Null(prefill.PromptLogits);
        Assert.Equal(copied.Losses, taken.Losses);
        Assert.Equal(copied.Delta, taken.Delta);
        Assert.Equal(copied.LogitBias, taken.LogitBias);
    }
}
