namespace SlotSharp.Engine;

/// <summary>Where the scheduler holds a request.</summary>
internal enum SchedulerPhase { Queued, Prefill, Staged, Decode }

/// <summary>
/// The first half of an engine step, decided before any of it runs: requests to end as cancelled, the queue's head to
/// admit (its prefill starts and its KV cost is reserved), the staged requests whose prompt stage starts (a SLOT stage's
/// start or a loaded delta's bias) and those whose started SLOT stages advance together by one shared step, and the one
/// prefill chunk (positions of one request). Plain data, so admission, the stall bound and the KV budget are tested
/// without a model (SchedulerTests).
/// </summary>
internal sealed record PromptPlan(IReadOnlyList<long> Cancel, long? Admit, IReadOnlyList<long> StartStages,
    IReadOnlyList<long> AdvanceStages, long? Prefill, int PrefillPositions)
{
    public bool HasWork => Cancel.Count > 0 || Admit != null || StartStages.Count > 0 || AdvanceStages.Count > 0 || Prefill != null;
}

/// <summary>
/// Admission and step planning for <see cref="SlotEngine"/>, apart from executing anything (vLLM's scheduler / model
/// runner split). Rules: strict FIFO admission, the head waiting for room rather than being overtaken (no starvation);
/// admitted requests at most <c>maxRunning</c>, and their KV reservations within the budget; one request prefills at a
/// time, one chunk per step; staged requests start their stage one per step at most (one leaves the prefill per step)
/// and all started SLOT stages advance together. So a decoding request waits at most one prefill chunk, one stage start
/// and one shared SLOT step between two of its tokens (the stall bound, docs/engine.md). Each step is a
/// <see cref="PromptPlan"/>, then the decode set (<see cref="PlanDecode"/>): every request in Decode once the prompt
/// work ran, those that reached it in this step included. The runner reports what happened through the On* methods. Not thread-safe: the engine thread owns it.
/// </summary>
internal sealed class Scheduler(int maxRunning, KvBudget budget, int prefillChunkTokens)
{
    sealed class Entry(long id, long kvCost, int promptLength, int places)
    {
        public long Id { get; } = id;
        /// <summary>Sequences the request decodes at once (its choices), each taking a place.</summary>
        public int Places { get; } = places;
        public long KvCost { get; } = kvCost;
        public int PromptLength { get; } = promptLength;
        public SchedulerPhase Phase { get; set; } = SchedulerPhase.Queued;
        public int Prefilled { get; set; }
        public int MaxChunk { get; set; } = int.MaxValue;
        public bool StageStarted { get; set; }
        public bool CancelRequested { get; set; }
    }

    readonly LinkedList<Entry> _queue = new();
    readonly Dictionary<long, Entry> _entries = new();
    readonly List<Entry> _staged = new();   // in the order they entered their stage
    readonly List<Entry> _decoding = new(); // in the order they joined the batch
    Entry? _prefilling;

    public KvBudget Budget => budget;

    /// <summary>Places held by admitted requests (prefilling, staged or decoding), one per choice each.</summary>
    public int Admitted => _decoding.Sum(e => e.Places) + _staged.Sum(e => e.Places) + (_prefilling?.Places ?? 0);

    public int Queued => _queue.Count;

    public SchedulerPhase PhaseOf(long id) => _entries[id].Phase;

    public void Enqueue(long id, long kvCost, int promptLength, int places = 1)
    {
        var entry = new Entry(id, kvCost, promptLength, places);
        _entries.Add(id, entry);
        _queue.AddLast(entry);
    }

    /// <summary>The request's cancellation was seen; it ends at the next plan's start.</summary>
    public void RequestCancel(long id)
    {
        if (_entries.TryGetValue(id, out var e)) e.CancelRequested = true;
    }

    public PromptPlan PlanPrompt()
    {
        var cancel = _entries.Values.Where(e => e.CancelRequested).Select(e => e.Id).ToList();
        long? admit = null;
        int admittedAfterCancel = Admitted - cancel.Select(id => _entries[id]).Where(e => e.Phase != SchedulerPhase.Queued).Sum(e => e.Places);
        bool prefillFree = _prefilling == null || _prefilling.CancelRequested;
        // The head, skipping only requests that end as cancelled now (they free their place first).
        var head = _queue.FirstOrDefault(e => !e.CancelRequested);
        long freed = cancel.Select(id => _entries[id]).Where(e => e.Phase != SchedulerPhase.Queued).Sum(e => e.KvCost);
        if (prefillFree && head != null && admittedAfterCancel + head.Places <= maxRunning && budget.Reserved - freed + head.KvCost <= budget.Capacity)
            admit = head.Id;
        var staged = _staged.Where(e => !e.CancelRequested).ToList();
        var start = staged.Where(e => !e.StageStarted).Select(e => e.Id).ToList();
        var advance = staged.Where(e => e.StageStarted).Select(e => e.Id).ToList();
        var prefilling = admit is { } a ? _entries[a] : _prefilling is { CancelRequested: false } p ? p : null;
        int positions = prefilling == null ? 0 : Math.Min(Math.Min(prefillChunkTokens, prefilling.MaxChunk), prefilling.PromptLength - prefilling.Prefilled);
        return new PromptPlan(cancel, admit, start, advance, prefilling?.Id, positions);
    }

    /// <summary>The requests that choose a token and step together now, in the order they joined the batch.</summary>
    public IReadOnlyList<long> PlanDecode() => _decoding.Select(e => e.Id).ToList();

    /// <summary>
    /// The head's prefill started: it leaves the queue and reserves its KV cost. <paramref name="maxChunk"/>: the
    /// backend's per-pass limit; <paramref name="reused"/>: positions a cached prefix gave it, which it does not run.
    /// </summary>
    public void OnAdmitted(long id, int maxChunk, int reused = 0)
    {
        var e = _entries[id];
        e.Prefilled = reused;
        _queue.Remove(e);
        budget.Reserve(e.KvCost);
        e.Phase = SchedulerPhase.Prefill;
        e.MaxChunk = Math.Max(1, maxChunk);
        _prefilling = e;
    }

    /// <summary>A prefill chunk of <paramref name="positions"/> ran; when it was the last, the request decodes now or enters its stage next step.</summary>
    public void OnPrefilled(long id, int positions, bool needsStage)
    {
        var e = _entries[id];
        e.Prefilled += positions;
        if (e.Prefilled < e.PromptLength) return;
        _prefilling = null;
        if (needsStage) Stage(e);
        else Decode(e);
    }

    /// <summary>The request's stage started (a SLOT stage that then advances with the others).</summary>
    public void OnStageStarted(long id) => _entries[id].StageStarted = true;

    /// <summary>The request's prompt stage is done (or it has none): it decodes from this step on.</summary>
    public void OnReadyToDecode(long id) => Decode(_entries[id]);

    /// <summary>A branch switch: the request goes back into the prompt stage for its next branch's SLOT stage.</summary>
    public void OnBackToStage(long id)
    {
        var e = _entries[id];
        _decoding.Remove(e);
        Stage(e);
    }

    /// <summary>The request ended (any reason): its place and reservation are free.</summary>
    public void OnFinished(long id)
    {
        if (!_entries.Remove(id, out var e)) return;
        if (e.Phase == SchedulerPhase.Queued) { _queue.Remove(e); return; }
        if (_prefilling == e) _prefilling = null;
        _staged.Remove(e);
        _decoding.Remove(e);
        budget.Release(e.KvCost);
    }

    void Stage(Entry e)
    {
        e.Phase = SchedulerPhase.Staged;
        e.StageStarted = false;
        // A branch that ends as its stage completes (max_new_tokens 0) comes back here still staged: list it once.
        if (!_staged.Contains(e)) _staged.Add(e);
    }

    void Decode(Entry e)
    {
        _staged.Remove(e);
        e.Phase = SchedulerPhase.Decode;
        if (!_decoding.Contains(e)) _decoding.Add(e);
    }
}
