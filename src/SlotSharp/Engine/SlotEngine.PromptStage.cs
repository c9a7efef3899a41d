using System.Diagnostics;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// The prompt stage: what a prefilled request does before it decodes, b = W delta for a loaded delta or its SLOT
/// prompt stage. Any number of requests are in it at once (admission waits only for the prefill); each engine step
/// advances all of their SLOT stages by one optimizer step together, with their passes over W shared
/// (<see cref="ISlotMath.AdvanceTogether"/>), so a burst of SLOT requests costs the batch about one pass over W per
/// step instead of one per request (docs/engine.md).
/// </summary>
public sealed partial class SlotEngine
{
    /// <summary>
    /// The plan's piece of every staged request: a loaded delta's b = W delta or a SLOT stage's start (the prompt's
    /// product with W), then, for all started stages together, one shared optimizer step. A request joins the decode
    /// batch in the step its stage finishes.
    /// </summary>
    void PromptStageStep(PromptPlan plan)
    {
        foreach (var id in plan.StartStages)
        {
            if (!_works.TryGetValue(id, out var work)) continue;
            try
            {
                if (work.Request.LoadedDelta is { } delta) StartDecode(work, [LoadedBias(work, delta)]);
                else StartSlotStage(work);
            }
            catch (Exception e) { Finish(work, FinishReason.Error, e); }
        }
        var started = plan.AdvanceStages.Where(_works.ContainsKey).Select(id => _works[id]).ToList();
        if (started.Count > 0) AdvanceSlotStages(started);
    }

    float[] LoadedBias(EngineWork work, float[] delta)
    {
        var slot = work.Request.Slot ?? new SlotOptions { Times = 0 };
        work.RecordSummary(0, new SlotSummary(0, slot.Lr, slot.Impl, slot.Optimizer, delta, [], [], false, null, 0, Loaded: true));
        var bias = _model.LogitBias(delta);
        work.Request.OnLogitBias?.Invoke((float[])bias.Clone());
        return bias;
    }

    /// <summary>
    /// The SLOT stages' start for the request's wave (one stage, or one per branch of a sweep's wave), its own piece
    /// (one request per step at most: one request leaves the prefill per step).
    /// </summary>
    void StartSlotStage(EngineWork work)
    {
        var clock = Stopwatch.StartNew();
        foreach (int branch in work.WaveBranches.Where(work.RunsSlot))
        {
            // The last stage on this prefill may take the prompt's logits; prompt log-probabilities read them after the
            // stage, so then it copies them too.
            work.Sequence!.LastSlotUse = branch == work.LastStageBranch && !work.Request.PromptLogprobs;
            work.EnterSlotStage(branch, _model.StartSlot(work.Sequence, work.SlotOf(branch)!));
        }
        _scheduler.OnStageStarted(work.Id);
        work.SlotStageMs += clock.Elapsed.TotalMilliseconds;
        if (work.StagesFinished) CompleteSlotStage(work); // all skipped (a 1-token prompt): nothing to optimize
    }

    /// <summary>
    /// One optimizer step of every started stage, as one shared step. Its time counts in each request's SLOT stage
    /// time (it is the time that request's step took). A failure of the shared step leaves every stage in it
    /// undefined, so all of them end.
    /// </summary>
    void AdvanceSlotStages(List<EngineWork> works)
    {
        var clock = Stopwatch.StartNew();
        // A sweep's stages with fewer steps finish before the others of their wave and wait for them.
        try { _model.Backend.SlotMath.AdvanceTogether(works.SelectMany(w => w.Stages).Where(s => !s.Finished).ToList()); }
        catch (Exception e)
        {
            foreach (var w in works) Finish(w, FinishReason.Error, e);
            return;
        }
        double stepMs = clock.Elapsed.TotalMilliseconds;
        foreach (var work in works)
        {
            work.SlotStageMs += stepMs;
            if (!work.StagesFinished) continue;
            try { CompleteSlotStage(work); }
            catch (Exception e) { Finish(work, FinishReason.Error, e); }
        }
    }

    void CompleteSlotStage(EngineWork work)
    {
        var clock = Stopwatch.StartNew();
        var results = work.CompleteSlotStages();
        work.SlotStageMs += clock.Elapsed.TotalMilliseconds;
        var biases = work.WaveBranches.Select(b => results.Where(r => r.Branch == b).Select(r => SlotStageDone(work, b, r.Outcome)).FirstOrDefault()).ToArray();
        StartDecode(work, biases);
    }

    /// <summary>Records a finished SLOT stage (summary, metrics) and returns b = W delta, or null when it was skipped.</summary>
    float[]? SlotStageDone(EngineWork work, int branch, SlotOutcome result)
    {
        Interlocked.Increment(ref _slotStages);
        lock (_slotClockGate) _slotStageMs += work.SlotStageMs;
        var options = work.SlotOf(branch)!;
        work.RecordSummary(branch, new SlotSummary(options.Times, options.Lr, options.Impl, options.Optimizer, result.Delta, result.Losses,
            result.DeltaNorms, result.Skipped, result.StopReason, work.SlotStageMs, Loaded: false));
        if (result.Skipped || result.LogitBias is not { } bias) return null;
        work.Request.OnLogitBias?.Invoke((float[])bias.Clone());
        return bias;
    }
}
