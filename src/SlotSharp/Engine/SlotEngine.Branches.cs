using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// Branches: one prompt, one prefill, several SLOT settings (a sweep). The request decodes its branches one after
/// another on the same backend sequence, rewinding it to the prompt between them, while other requests decode beside
/// it. Each branch runs its own prompt stage on the prompt's hidden states H, so its result is exactly what the same
/// request alone with that setting gives.
/// </summary>
public sealed partial class SlotEngine
{
    /// <summary>
    /// Queues one prompt that decodes once per entry of <paramref name="branches"/> (null or times 0: plain decoding),
    /// all on a single prefill; the task completes with one result per branch, in order. Settings belong in the
    /// branches, so <see cref="EngineRequest.Slot"/> and <see cref="EngineRequest.LoadedDelta"/> must be unset. The
    /// request reserves its KV footprint once (the branches reuse the cache in turn) and has no token stream.
    /// Cancellation or an error ends the branches still to run with the same finish reason and no tokens.
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
    /// The current branch ended with <paramref name="reason"/>. After a normal end (stop or length) the next branch
    /// rewinds the sequence to the prompt and goes through the prompt stage like any prefilled request (its SLOT steps
    /// shared with the other staged requests, one per engine step), or straight back to decoding when it runs no SLOT
    /// stage; otherwise, or after the last branch, the request finishes.
    /// </summary>
    void EndBranch(EngineWork work, FinishReason reason)
    {
        if (reason is not (FinishReason.Stop or FinishReason.Length) || !work.HasNextBranch)
        {
            Finish(work, reason);
            return;
        }
        work.EndBranch(reason);
        try { _model.Backend.Rewind(work.Sequence!, work.Sequence!.PromptIds.Length); }
        catch (Exception e) { Finish(work, FinishReason.Error, e); return; }
        if (!SlotRuns(work))
        {
            StartDecode(work, null); // max_new_tokens 0 comes back here for the next branch
            return;
        }
        _scheduler.OnBackToStage(work.Id); // decodes again once its stage ends (StartDecode)
    }
}
