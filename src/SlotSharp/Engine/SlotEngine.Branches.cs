using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// Branches: one prompt, one prefill, several SLOT settings (a sweep). The request runs its branches in waves of as
/// many as the engine has places for (all of them, for a sweep no larger than MaxRunning): the wave's SLOT stages
/// advance together with their passes over W shared, then its branches decode side by side, each on a fork of the
/// prompt's sequence, beside the other requests; the sequence is rewound to the prompt before the next wave. Each
/// branch runs its own prompt stage on the prompt's hidden states H, so its result is what the same request alone with
/// that setting gives.
/// </summary>
public sealed partial class SlotEngine
{
    /// <summary>
    /// Queues one prompt that decodes once per entry of <paramref name="branches"/> (null or times 0: plain decoding),
    /// all on a single prefill; the task completes with one result per branch, in order. Settings belong in the
    /// branches, so <see cref="EngineRequest.Slot"/> and <see cref="EngineRequest.LoadedDelta"/> must be unset; prompt
    /// log-probabilities, when asked for, are each branch's under its own delta. The request reserves the KV of one wave (its prompt and each branch's new
    /// tokens), takes a place per branch of a wave, and has no token stream. Cancellation or an error ends the branches
    /// decoding and those still to run with the same finish reason (the latter with no tokens).
    /// Throws as <see cref="Submit"/> does.
    /// </summary>
    public Task<IReadOnlyList<EngineResult>> SubmitBranches(EngineRequest request, IReadOnlyList<SlotOptions?> branches,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(branches);
        if (branches.Count == 0) throw new SlotSharpException("a branched engine request needs at least one SLOT branch");
        if (request.Slot != null || request.LoadedDelta != null)
            throw new SlotSharpException("a branched engine request takes its SLOT settings from its branches: leave EngineRequest.Slot and LoadedDelta unset");
        foreach (var branch in branches) branch?.Resolve();
        return Enqueue(request, branches.ToArray(), cancel).Results.Task;
    }

    /// <summary>
    /// Every lane of the current wave ended (each by stop or length: anything else ends the request). The next wave
    /// rewinds the sequence to the prompt and goes through the prompt stage like any prefilled request (its SLOT steps
    /// shared with the other staged requests, one per engine step), or straight back to decoding when none of its
    /// branches runs a SLOT stage.
    /// </summary>
    void NextWave(EngineWork work)
    {
        work.EndWave();
        try { _model.Backend.Rewind(work.Sequence!, work.Sequence!.PromptIds.Length); }
        catch (Exception e) { Finish(work, FinishReason.Error, e); return; }
        if (!work.WaveNeedsStage)
        {
            StartDecode(work, NoBias(work)); // max_new_tokens 0 comes back here for the next wave
            return;
        }
        _scheduler.OnBackToStage(work.Id); // decodes again once its stages end (StartDecode)
    }
}
