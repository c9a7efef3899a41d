using SlotSharp.Backends;
using SlotSharp.Engine;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// The scheduler's plans as data, without a model: FIFO admission under the KV budget and the running limit, one
/// prefill at a time in bounded chunks, the stall bound, and cancellation freeing places and reservations.
/// </summary>
public class SchedulerTests
{
    /// <summary>A budget of <paramref name="cells"/> KV cells (one per position), as llama.cpp's.</summary>
    static Scheduler Make(long cells, int maxRunning = 16, int chunk = 256) =>
        new(maxRunning, KvBudget.For(new KvGeometry(KvUnit.Cells, 1, cells), new EngineOptions()), chunk);

    /// <summary>Runs one request's whole prefill as the runner would, chunk by chunk.</summary>
    static void Prefill(Scheduler s, long id, bool needsStage = false)
    {
        while (true)
        {
            var plan = s.PlanPrompt();
            if (plan.Admit == id) s.OnAdmitted(id, maxChunk: 512);
            Assert.Equal(id, plan.Prefill);
            s.OnPrefilled(id, plan.PrefillPositions, needsStage);
            if (s.PhaseOf(id) != SchedulerPhase.Prefill) return;
        }
    }

    [SkippableFact]
    public void TheHeadWaitsForRoomAndIsNeverOvertaken()
    {
        var s = Make(cells: 100);
        s.Enqueue(1, kvCost: 60, promptLength: 10);
        s.Enqueue(2, kvCost: 50, promptLength: 10);
        s.Enqueue(3, kvCost: 10, promptLength: 10); // would fit, but 2 is first
        Prefill(s, 1);
        Assert.Equal([1L], s.PlanDecode());
        var plan = s.PlanPrompt();
        Assert.Null(plan.Admit);
        Assert.False(plan.HasWork);
        s.OnFinished(1);
        Assert.Equal(0, s.Budget.Reserved);
        Assert.Equal(2, s.PlanPrompt().Admit);
    }

    [SkippableFact]
    public void AdmittedRequestsStayWithinTheRunningLimit()
    {
        var s = Make(cells: 1000, maxRunning: 2);
        for (long id = 1; id <= 3; id++) s.Enqueue(id, kvCost: 10, promptLength: 4);
        Prefill(s, 1);
        Prefill(s, 2);
        Assert.Null(s.PlanPrompt().Admit);
        Assert.Equal(2, s.Admitted);
        s.OnFinished(2);
        Assert.Equal(3, s.PlanPrompt().Admit);
    }

    [SkippableFact]
    public void OneRequestPrefillsAtATimeInBoundedChunks()
    {
        var s = Make(cells: 10_000, chunk: 256);
        s.Enqueue(1, kvCost: 1000, promptLength: 1000);
        s.Enqueue(2, kvCost: 10, promptLength: 5);
        var chunks = new List<int>();
        var first = s.PlanPrompt();
        Assert.Equal(1, first.Admit);
        s.OnAdmitted(1, maxChunk: 300); // the backend's own per-pass limit is larger than the engine's chunk
        s.OnPrefilled(1, first.PrefillPositions, needsStage: false);
        chunks.Add(first.PrefillPositions);
        while (s.PhaseOf(1) == SchedulerPhase.Prefill)
        {
            var plan = s.PlanPrompt();
            Assert.Null(plan.Admit); // the second waits for the first's prefill
            chunks.Add(plan.PrefillPositions);
            s.OnPrefilled(1, plan.PrefillPositions, needsStage: false);
        }
        Assert.Equal([256, 256, 256, 232], chunks);
        Assert.Equal(2, s.PlanPrompt().Admit);
    }

    [SkippableFact]
    public void EveryStepStaysWithinTheStallBound()
    {
        // Six SLOT requests arriving together beside a decoding one: each step runs at most one prefill chunk (of at most
        // the chunk size), at most one stage start, and all started stages as one shared step.
        var s = Make(cells: 100_000, chunk: 64);
        s.Enqueue(0, 10, 4);
        Prefill(s, 0);
        for (long id = 1; id <= 6; id++) s.Enqueue(id, kvCost: 200, promptLength: 150);
        var steps = new Dictionary<long, int>(); // SLOT steps taken per request; each needs 3
        for (int step = 0; step < 200 && s.PlanDecode().Count < 7; step++)
        {
            var plan = s.PlanPrompt();
            Assert.True(plan.PrefillPositions <= 64);
            Assert.True(plan.StartStages.Count <= 1, $"step {step} starts {plan.StartStages.Count} stages");
            Assert.Contains(0L, s.PlanDecode()); // the decoding request is never held back
            if (plan.Admit is { } a) s.OnAdmitted(a, 512);
            foreach (var id in plan.StartStages) { s.OnStageStarted(id); steps[id] = 0; }
            foreach (var id in plan.AdvanceStages) if (++steps[id] == 3) s.OnReadyToDecode(id);
            if (plan.Prefill is { } p) s.OnPrefilled(p, plan.PrefillPositions, needsStage: true);
        }
        Assert.Equal(7, s.PlanDecode().Count);
    }

    [SkippableFact]
    public void ACancelledRequestFreesItsPlaceForTheHeadInTheSameStep()
    {
        var s = Make(cells: 100);
        s.Enqueue(1, kvCost: 60, promptLength: 4);
        s.Enqueue(2, kvCost: 50, promptLength: 4);
        s.Enqueue(3, kvCost: 10, promptLength: 4);
        Prefill(s, 1);
        s.RequestCancel(3); // queued: leaves without having reserved anything
        s.RequestCancel(1); // decoding: its 60 cells come back
        var plan = s.PlanPrompt();
        Assert.Equal([1L, 3L], plan.Cancel.Order());
        Assert.Equal(2, plan.Admit);
        s.OnFinished(1);
        s.OnFinished(3);
        s.OnAdmitted(2, 512);
        Assert.Equal(50, s.Budget.Reserved);
        Assert.Equal(0, s.Queued);
    }
}
