using System.Collections.Concurrent;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// Continuous batching over one <see cref="SlotModel"/>: requests submitted from any thread join the running batch
/// at step boundaries and leave when done. One dedicated thread owns the backend. Each engine step, the
/// <see cref="Scheduler"/> plans and this class executes: (1) the plan's prompt work: cancelled requests end, the head
/// of the queue is admitted (FIFO, within the KV budget) when no other request is prefilling, and every staged
/// request's prompt stage advances by one piece (a SLOT stage's start, or one optimizer step of all started SLOT stages
/// together with their passes over W shared, or b = W delta for a loaded delta); (2) the decode set chooses one token
/// each; (3) one backend call runs those tokens and one prefill chunk of <see cref="EngineOptions.PrefillChunkTokens"/>
/// positions together (<see cref="IModelBackend.StepWith"/>: one llama_batch on llama.cpp). So a running decode waits
/// at most one prefill chunk, one SLOT start and one shared SLOT step between two of its tokens (docs/engine.md).
/// The engine is its model's backend's only driver (backends are single-threaded): a model takes one engine at a
/// time, and every front door (CLI, server, evaluators, chat client) submits to it.
/// </summary>
public sealed partial class SlotEngine : IDisposable
{
    readonly SlotModel _model;
    readonly EngineOptions _options;
    readonly KvBudget _budget;
    readonly Scheduler _scheduler;                       // engine thread only
    readonly PrefixCache _cache;                         // engine thread only (its counters are read anywhere)
    readonly int _places;                                // requests that may be admitted at once
    readonly Dictionary<long, EngineWork> _works = new(); // engine thread only: every request the scheduler holds
    readonly ConcurrentQueue<EngineWork> _incoming = new();
    readonly AutoResetEvent _wake = new(false);
    readonly CancellationTokenSource _stopping = new();
    readonly Thread _thread;
    long _nextId, _promptTokens, _generatedTokens, _finished, _slotStages, _kvReserved;
    int _queued, _runningCount;
    double _slotStageMs;
    readonly Lock _slotClockGate = new();

    /// <summary>
    /// Starts the engine thread on <paramref name="model"/>'s backend. A model takes one engine at a time: a second is
    /// refused until the first is disposed. Disposing the model disposes its engine first.
    /// </summary>
    public SlotEngine(SlotModel model, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? DefaultOptions(model);
        _options.Validate();
        _model = model;
        _budget = KvBudget.For(model.Backend, _options);
        _places = Math.Min(_options.MaxRunning, model.Backend.MaxSequences);
        _scheduler = new Scheduler(_places, _budget, _options.PrefillChunkTokens);
        _cache = new PrefixCache(_options.PrefixCache, Math.Min(_options.PrefixCacheEntries, model.Backend.CacheSequences),
            _options.PrefixCacheHostBytes, model.Backend.Kv.PerPosition);
        _thread = new Thread(Loop) { IsBackground = true, Name = "SlotSharp engine" };
        model.TakeBackend(this); // before the thread starts: a refused engine leaves nothing running
        _thread.Start();
    }

    /// <summary>The model whose backend this engine drives.</summary>
    public SlotModel Model => _model;

    /// <summary>
    /// Default limits, except that the TorchSharp KV budget always admits one request spanning the model's whole
    /// trained context, so a single caller is refused nothing the context check allows (a 2 GiB default holds only
    /// ~16k positions of an 8B bf16 model). llama.cpp's budget is its context's cells.
    /// </summary>
    public static EngineOptions DefaultOptions(SlotModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var defaults = new EngineOptions();
        if (model.Backend.Kv.Capacity != null) return defaults;
        long wholeContext = KvBudget.For(model.Backend, defaults).Cost(model.ContextLength, 1);
        return defaults with { KvBudgetBytes = Math.Max(defaults.KvBudgetBytes, wholeContext) };
    }

    /// <summary>Raised on the engine thread when a request finishes (keep handlers short: the batch waits).</summary>
    public event Action<EngineResult>? RequestFinished;

    public EngineMetrics Metrics
    {
        get
        {
            double slotMs;
            lock (_slotClockGate) slotMs = _slotStageMs;
            return new EngineMetrics(Volatile.Read(ref _queued), Volatile.Read(ref _runningCount), Interlocked.Read(ref _kvReserved),
                _budget.Capacity, _budget.Unit, Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _generatedTokens),
                Interlocked.Read(ref _finished), Interlocked.Read(ref _slotStages), slotMs)
            {
                PrefixCacheHits = _cache.Hits,
                PrefixCacheReusedTokens = _cache.ReusedTokens,
                PrefixCacheEvictions = _cache.Evictions,
                PrefixCacheEntries = _cache.Count,
            };
        }
    }

    /// <summary>
    /// Queues a request. Bad settings, a prompt the model cannot take and a request larger than the whole KV budget
    /// throw <see cref="SlotSharpException"/> here; a full queue throws <see cref="EngineOverloadedException"/>.
    /// <paramref name="cancel"/> ends the request at the next step boundary (finish reason cancelled) and frees its cache.
    /// </summary>
    public EngineHandle Submit(EngineRequest request, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Slot?.Resolve();
        return new EngineHandle(Enqueue(request, branches: null, cancel));
    }

    /// <summary>What choices, prompt log-probabilities and a partial SLOT fit need of the engine and the prompt.</summary>
    void CheckShape(EngineRequest request, IReadOnlyList<SlotOptions?>? branches)
    {
        int t = request.PromptIds.Count;
        if (request.Choices > _places)
            throw new SlotSharpException($"the request asks for {request.Choices} choices but the engine decodes at most {_places} sequences at once");
        if (request.Choices > 1 && branches != null)
            throw new SlotSharpException("a branched engine request decodes one choice per branch: leave EngineRequest.Choices at 1");
        long logitBytes = (long)t * _model.Backend.VocabSize * sizeof(float);
        if (request.PromptLogprobs && logitBytes > _options.PromptLogprobsMaxBytes)
            throw new SlotSharpException($"prompt log-probabilities keep the prompt's {t} x {_model.Backend.VocabSize} logits ({logitBytes} bytes), more than the engine's limit of {_options.PromptLogprobsMaxBytes} bytes; send a shorter prompt");
        foreach (var slot in branches ?? [request.Slot])
            if (slot is { FitTokens: { } k } && k > t)
                throw new SlotSharpException($"SLOT option 'fit_tokens' is {k} but the prompt has only {t} tokens");
    }

    EngineWork Enqueue(EngineRequest request, IReadOnlyList<SlotOptions?>? branches, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        request.Validate();
        if (request.LoadedDelta is { } delta && delta.Length != _model.HiddenSize)
            throw new SlotSharpException($"the loaded delta has {delta.Length} values but the model's hidden size is {_model.HiddenSize}");
        // The one end-of-sequence rule: the model's eos ids end every request unless it ignores them.
        IEnumerable<int> eos = request.IgnoreEos ? [] : _model.EosIds;
        var generation = request.Generation with { StopIds = request.Generation.StopIds.Union(eos).ToHashSet() };
        _model.CheckPrompt(request.PromptIds, generation);
        CheckShape(request, branches);
        // A sweep decodes its branches in waves of as many as the engine has places for, each on a fork of one prefill.
        int places = branches != null ? Math.Min(branches.Count, _places) : request.Choices;
        long cost = _budget.Cost(request.PromptIds.Count, generation.MaxNewTokens, places);
        if (cost > _budget.Capacity)
            throw new SlotSharpException($"the request needs {cost} KV {_budget.Unit} (prompt {request.PromptIds.Count} + max_new_tokens {generation.MaxNewTokens}) but the engine's whole budget is {_budget.Capacity}");
        // MaxQueued counts requests waiting beyond the places free now, so MaxQueued 0 still serves one at a time.
        if (Interlocked.Increment(ref _queued) > _options.MaxQueued + Math.Max(0, _places - Volatile.Read(ref _runningCount)))
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineOverloadedException($"the engine queue is full ({_options.MaxQueued} requests waiting)");
        }
        var work = new EngineWork(Interlocked.Increment(ref _nextId), request, generation, cost, branches, places, cancel);
        if (cancel.CanBeCanceled) work.CancelRegistration = cancel.Register(Wake);
        _incoming.Enqueue(work);
        Wake();
        return work;
    }

    /// <summary>
    /// Submits and waits: the synchronous convenience for callers without their own loop. <paramref name="onToken"/>
    /// sees each id on the calling thread as it is chosen; if it throws, the request is cancelled and the exception
    /// rethrown. Errors stay a finish reason (see <see cref="EngineResult.ThrowIfFailed"/>).
    /// </summary>
    public EngineResult Generate(EngineRequest request, Action<int>? onToken = null, CancellationToken cancel = default)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var handle = Submit(request, end.Token);
        try
        {
            if (onToken != null)
                // The stream ends when the request does (a cancellation ends it at the next step), so no token is passed.
                foreach (int id in handle.Tokens.ReadAllAsync(CancellationToken.None).ToBlockingEnumerable(CancellationToken.None)) onToken(id);
        }
        catch
        {
            end.Cancel();
            handle.Completion.GetAwaiter().GetResult();
            throw;
        }
        return handle.Completion.GetAwaiter().GetResult();
    }

    void Loop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out var w))
            {
                _works.Add(w.Id, w);
                _scheduler.Enqueue(w.Id, w.KvCost, w.Request.PromptIds.Count, w.Places);
            }
            foreach (var w in _works.Values)
                if (w.Cancel.IsCancellationRequested) _scheduler.RequestCancel(w.Id);
            var plan = _scheduler.PlanPrompt();
            ExecutePrompt(plan);
            var decode = _scheduler.PlanDecode();
            var prefilling = plan.Prefill is { } id && _works.TryGetValue(id, out var p) && p.Prefilling != null ? p : null;
            if (decode.Count > 0 || prefilling != null) ExecuteStep(decode, prefilling, plan.PrefillPositions);
            else if (!plan.HasWork) _wake.WaitOne();
        }
        foreach (var w in _works.Values.ToArray()) Finish(w, FinishReason.Cancelled);
        while (_incoming.TryDequeue(out var w)) Finish(w, FinishReason.Cancelled);
        _cache.Dispose(); // on the engine thread: the backend is still this engine's
    }

    /// <summary>
    /// The plan's prompt work before the step's backend call, in its order: cancellations, the admission, the staged
    /// requests' stage pieces (a request whose prefill ends in this step starts its stage in the next one). The prefill
    /// chunk runs in the backend call, with the decode tokens.
    /// </summary>
    void ExecutePrompt(PromptPlan plan)
    {
        foreach (var id in plan.Cancel) Finish(_works[id], FinishReason.Cancelled);
        if (plan.Admit is { } admit) Admit(_works[admit]);
        PromptStageStep(plan);
    }

    void PublishRunning() => Volatile.Write(ref _runningCount, _scheduler.Admitted);

    void Admit(EngineWork work)
    {
        var request = work.Request;
        try
        {
            var run = StartPrefill(work);
            Interlocked.Decrement(ref _queued);
            _scheduler.OnAdmitted(work.Id, run.MaxChunk, run.Start);
            Interlocked.Exchange(ref _kvReserved, _budget.Reserved);
            work.Admitted(run);
            PublishRunning();
        }
        catch (Exception e) { Finish(work, FinishReason.Error, e); } // still Queued: nothing was reserved
    }

    /// <summary>
    /// A chunk of the admitted request's prefill ran. After its last chunk it joins the decode batch, or, with a SLOT
    /// stage or a loaded delta to apply, the requests in their prompt stage (from the next step on), and the next
    /// request may be admitted.
    /// </summary>
    void PrefillRan(EngineWork work, int ran)
    {
        try
        {
            var run = work.Prefilling!;
            bool needsStage = work.WaveNeedsStage;
            _scheduler.OnPrefilled(work.Id, ran, needsStage);
            if (!run.Finished) return;
            work.Prefilled();
            CachePrompt(work);
            Interlocked.Add(ref _promptTokens, work.Request.PromptIds.Count);
            if (!needsStage) StartDecode(work, NoBias(work));
        }
        catch (Exception e) { Finish(work, FinishReason.Error, e); } // cancellation is seen at step boundaries instead
    }

    /// <summary>No bias for any branch of the current wave.</summary>
    static float[]?[] NoBias(EngineWork work) => new float[]?[work.WaveBranches.Count];

    /// <summary>
    /// The current wave decodes from this step on, branch i of it with b = W delta <paramref name="biases"/>[i] (null:
    /// none) added to its logits: the prompt log-probabilities (when asked for) are read under that bias, the prompt's
    /// logits are freed once no later wave needs them, and each choice or branch gets its lane.
    /// </summary>
    void StartDecode(EngineWork work, IReadOnlyList<float[]?> biases)
    {
        var sequence = work.Sequence!;
        var wave = work.WaveBranches;
        var starts = new LaneStart[wave.Count];
        for (int i = 0; i < wave.Count; i++)
            starts[i] = new LaneStart(wave[i], biases[i], work.SummaryOf(wave[i]),
                work.Request.PromptLogprobs ? PromptLogprobs(sequence, biases[i], work.Request.Logprobs ?? 0) : null);
        if (!work.HasNextWave) sequence.TakePromptLogits()?.Dispose();
        work.StartDecode(starts, _model.Backend.VocabSize, _model.Tokenizer, _model.Backend.Fork);
        foreach (var lane in work.Lanes.Where(l => l.Decode.Finished).ToList()) // max_new_tokens 0
            if (LaneDone(work, lane, FinishReason.Length)) return;
        _scheduler.OnReadyToDecode(work.Id);
        PublishRunning();
    }

    /// <summary>Prompt tokens 1..T-1's log-probabilities: position t's logits (plus the bias) score token t+1.</summary>
    static TokenLogprob[] PromptLogprobs(BackendSequence sequence, float[]? bias, int top)
    {
        var logits = sequence.PromptLogits ?? throw new InvalidOperationException("the prefill kept no prompt logits (prefill with keepLogits)");
        var ids = sequence.PromptIds;
        var result = new TokenLogprob[ids.Length - 1];
        Parallel.For(0, result.Length, t => result[t] = Logprobs.Of(logits.Row(t), bias, ids[t + 1], top));
        return result;
    }

    /// <summary>
    /// A lane chose its last token. The request's wave ends when its last lane does: then the next wave of branches
    /// starts, or the request finishes. True when the request's lanes are no longer the ones being stepped (it
    /// finished, or its next wave took over).
    /// </summary>
    bool LaneDone(EngineWork work, DecodeLane lane, FinishReason reason)
    {
        work.EndLane(lane, reason);
        if (!work.AllLanesEnded) return false;
        if (work.HasNextWave) NextWave(work);
        else Finish(work, reason);
        return true;
    }

    /// <summary>
    /// One token for every decoding lane, then one backend call for those that go on and the prefill's next chunk. A
    /// failed call leaves every sequence in it undefined, so all of their requests end.
    /// </summary>
    void ExecuteStep(IReadOnlyList<long> ids, EngineWork? prefilling, int prefillPositions)
    {
        var (stepping, tokens) = ChooseTokens(ids);
        if (prefilling is { Prefilling: null }) prefilling = null; // ended while the tokens were chosen
        if (stepping.Count == 0 && prefilling == null) return;
        int ran;
        try
        {
            ran = _model.Backend.StepWith(prefilling?.Prefilling, prefillPositions, stepping.Select(s => s.Lane.Sequence).ToArray(), tokens);
        }
        catch (Exception e)
        {
            foreach (var w in stepping.Select(s => s.Work).Distinct().ToList()) Finish(w, FinishReason.Error, e);
            if (prefilling != null) Finish(prefilling, FinishReason.Error, e);
            return;
        }
        if (prefilling != null) PrefillRan(prefilling, ran);
    }

    /// <summary>One token for every decoding lane; returns the lanes that go on with their tokens.</summary>
    (List<(EngineWork Work, DecodeLane Lane)> Stepping, List<int> Tokens) ChooseTokens(IReadOnlyList<long> ids)
    {
        var stepping = new List<(EngineWork Work, DecodeLane Lane)>(ids.Count);
        var tokens = new List<int>(ids.Count);
        foreach (var id in ids)
        {
            var work = _works[id];
            int before = stepping.Count;
            foreach (var lane in work.Lanes.ToList())
            {
                if (lane.Ended != null) continue;
                int next;
                FinishReason? reason;
                try
                {
                    var decode = lane.Decode;
                    next = decode.Next(lane.NextLogits);
                    Interlocked.Increment(ref _generatedTokens);
                    bool stopString = work.PushToken(lane, next);
                    reason = decode.Stopped || stopString || (work.Request.StopWhen?.Invoke(decode.Generated) ?? false) ? FinishReason.Stop
                        : decode.Finished ? FinishReason.Length : null;
                }
                catch (Exception e)
                {
                    // Non-finite logits or a failing detokenizer end this request only; on the engine thread they would end the process.
                    stepping.RemoveRange(before, stepping.Count - before);
                    tokens.RemoveRange(before, tokens.Count - before);
                    Finish(work, FinishReason.Error, e);
                    break;
                }
                if (reason is { } r)
                {
                    if (LaneDone(work, lane, r)) break;
                }
                else { stepping.Add((work, lane)); tokens.Add(next); }
            }
        }
        return (stepping, tokens);
    }

    /// <summary>
    /// Frees the request's place and reservation, then publishes its result: in that order, so a caller woken by the
    /// result already sees the engine's counters without it.
    /// </summary>
    void Finish(EngineWork work, FinishReason reason, Exception? error = null)
    {
        _works.Remove(work.Id);
        _scheduler.OnFinished(work.Id);
        if (work.ReusedPrefix is { Entry: var pinned }) pinned.Pinned = false; // ended before its prefill did
        if (work.State != EngineRequestState.Queued)
        {
            try { CacheAnswer(work, reason); }
            catch (Exception) { /* a cache that cannot take the sequence leaves it to be freed with the request */ }
            PublishRunning();
            Interlocked.Exchange(ref _kvReserved, _budget.Reserved);
        }
        else Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref _finished);
        var result = work.Finish(reason, error);
        try { RequestFinished?.Invoke(result); }
        catch (Exception) { /* a metrics handler's failure must not take the batch down */ }
    }

    /// <summary>A token cancelled after the engine was disposed must not throw in the canceller's thread.</summary>
    void Wake()
    {
        try { _wake.Set(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Cancels every request still queued or running and stops the engine thread.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        Wake();
        _thread.Join();
        while (_incoming.TryDequeue(out var w)) Finish(w, FinishReason.Cancelled); // submitted while stopping
        _model.ReturnBackend(this);
        _wake.Dispose();
        _stopping.Dispose();
    }
}
