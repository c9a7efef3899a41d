using System.Collections.Concurrent;
using SlotSharp.Backends;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// Continuous batching over one <see cref="SlotModel"/>: requests submitted from any thread join the running batch
/// at step boundaries and leave when done. One dedicated thread owns the backend; each engine step it (1) takes new
/// and cancelled requests into account, (2) admits the head of the queue (FIFO, within the KV budget) when no other
/// request is prefilling, (3) advances every prefilled request's prompt stage by one piece (a SLOT stage's start, or
/// one optimizer step of all started SLOT stages together with their passes over W shared, or b = W delta for a
/// loaded delta), (4) runs one prefill chunk of <see cref="EngineOptions.PrefillChunkTokens"/> positions of the
/// prefilling request, (5) chooses one token for every decoding request and advances them all in one backend step.
/// So a running decode waits at most one prefill chunk, one SLOT start and one shared SLOT step between two of its
/// tokens (docs/engine.md).
/// The engine is its model's backend's only driver (backends are single-threaded): a model takes one engine at a
/// time, and every front door (CLI, server, evaluators, chat client) submits to it.
/// </summary>
public sealed partial class SlotEngine : IDisposable
{
    readonly SlotModel _model;
    readonly EngineOptions _options;
    readonly KvBudget _budget;
    readonly int _maxRunning;
    readonly ConcurrentQueue<EngineWork> _incoming = new();
    readonly LinkedList<EngineWork> _waiting = new();   // engine thread only
    readonly List<EngineWork> _running = new();         // engine thread only, all in Decode
    EngineWork? _prompting;                              // engine thread only: admitted, in Prefill
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
        _maxRunning = Math.Min(_options.MaxRunning, model.Backend.MaxSequences);
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
                Interlocked.Read(ref _finished), Interlocked.Read(ref _slotStages), slotMs);
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
        long cost = _budget.Cost(request.PromptIds.Count, generation.MaxNewTokens);
        if (cost > _budget.Capacity)
            throw new SlotSharpException($"the request needs {cost} KV {_budget.Unit} (prompt {request.PromptIds.Count} + max_new_tokens {generation.MaxNewTokens}) but the engine's whole budget is {_budget.Capacity}");
        if (Interlocked.Increment(ref _queued) > _options.MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineOverloadedException($"the engine queue is full ({_options.MaxQueued} requests waiting)");
        }
        var work = new EngineWork(Interlocked.Increment(ref _nextId), request, generation, cost, branches, cancel);
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
            while (_incoming.TryDequeue(out var w)) _waiting.AddLast(w);
            FinishCancelled();
            AdmitOne();
            // Stages before the prefill: a request whose prefill ends in this step starts its stage in the next one.
            bool staged = PromptStageStep();
            bool prompted = PrefillStep();
            bool stepped = DecodeStep();
            if (!staged && !prompted && !stepped) _wake.WaitOne();
        }
        if (_prompting != null) Finish(_prompting, FinishReason.Cancelled);
        foreach (var w in _staging.ToArray()) Finish(w, FinishReason.Cancelled);
        foreach (var w in _running.ToArray()) Finish(w, FinishReason.Cancelled);
        foreach (var w in _waiting) Finish(w, FinishReason.Cancelled);
        _waiting.Clear();
        while (_incoming.TryDequeue(out var w)) Finish(w, FinishReason.Cancelled);
    }

    void FinishCancelled()
    {
        for (var node = _waiting.First; node != null;)
        {
            var next = node.Next;
            if (node.Value.Cancel.IsCancellationRequested) { Finish(node.Value, FinishReason.Cancelled); _waiting.Remove(node); }
            node = next;
        }
        foreach (var w in _running.Concat(_staging).Where(w => w.Cancel.IsCancellationRequested).ToArray()) Finish(w, FinishReason.Cancelled);
        if (_prompting is { Cancel.IsCancellationRequested: true } p) Finish(p, FinishReason.Cancelled);
    }

    /// <summary>Admitted requests: decoding, prefilling or in their prompt stage (each holds a backend sequence and its reservation).</summary>
    int Admitted => _running.Count + _staging.Count + (_prompting != null ? 1 : 0);

    void PublishRunning() => Volatile.Write(ref _runningCount, Admitted);

    /// <summary>
    /// Strict FIFO: the head waits for room rather than being overtaken, so no request starves. One request prefills at
    /// a time, so a step runs at most one prefill chunk whatever the queue length.
    /// </summary>
    void AdmitOne()
    {
        if (_prompting != null || _waiting.First?.Value is not { } work || Admitted >= _maxRunning || !_budget.Fits(work.KvCost)) return;
        _waiting.RemoveFirst();
        var request = work.Request;
        try
        {
            var run = _model.Backend.StartPrefill(request.PromptIds, keepHidden: work.NeedsHidden,
                KvBudget.Positions(request.PromptIds.Count, work.Generation.MaxNewTokens));
            Interlocked.Decrement(ref _queued);
            _budget.Reserve(work.KvCost);
            Interlocked.Exchange(ref _kvReserved, _budget.Reserved);
            work.Admitted(run);
            _prompting = work;
            PublishRunning();
        }
        catch (Exception e) { Finish(work, FinishReason.Error, e); } // still Queued: nothing was reserved
    }

    /// <summary>
    /// One chunk of the admitted request's prefill. After its last chunk it joins the decode batch, or, with a SLOT
    /// stage or a loaded delta to apply, the requests in their prompt stage (from the next step on), and the next
    /// request may be admitted.
    /// </summary>
    bool PrefillStep()
    {
        if (_prompting is not { } work) return false;
        try
        {
            var run = work.Prefilling!;
            run.Advance(_options.PrefillChunkTokens);
            if (!run.Finished) return true;
            work.Prefilled();
            Interlocked.Add(ref _promptTokens, work.Request.PromptIds.Count);
            if (!SlotRuns(work) && work.Request.LoadedDelta == null) StartDecode(work, null);
            else
            {
                _prompting = null;
                _staging.Add(work);
            }
        }
        catch (Exception e) { Finish(work, FinishReason.Error, e); } // cancellation is seen at step boundaries instead
        return true;
    }

    /// <summary>Whether the current branch (the request's own settings when it has none) runs a SLOT prompt stage.</summary>
    static bool SlotRuns(EngineWork work) => work.Request.LoadedDelta == null && work.BranchSlot is { Times: > 0 };

    void StartDecode(EngineWork work, float[]? bias)
    {
        if (_prompting == work) _prompting = null;
        _staging.Remove(work);
        work.StartDecode(bias, _model.Backend.VocabSize, _model.Tokenizer);
        if (work.Decode!.Finished) EndBranch(work, FinishReason.Length); // max_new_tokens 0
        else if (!_running.Contains(work)) { _running.Add(work); PublishRunning(); }
    }

    /// <summary>One token for every decoding request, then one backend step for those that go on.</summary>
    bool DecodeStep()
    {
        if (_running.Count == 0) return false;
        var stepping = new List<EngineWork>(_running.Count);
        var tokens = new List<int>(_running.Count);
        foreach (var work in _running.ToArray())
        {
            int next;
            FinishReason? reason;
            try
            {
                var decode = work.Decode!;
                next = decode.Next(work.NextLogits);
                Interlocked.Increment(ref _generatedTokens);
                work.Tokens.Writer.TryWrite(next);
                bool stopString = work.PushText(next);
                reason = decode.Stopped || stopString || (work.Request.StopWhen?.Invoke(decode.Generated) ?? false) ? FinishReason.Stop
                    : decode.Finished ? FinishReason.Length : null;
            }
            catch (Exception e)
            {
                // Non-finite logits or a failing detokenizer end this request only; on the engine thread they would end the process.
                Finish(work, FinishReason.Error, e);
                continue;
            }
            if (reason is { } r) EndBranch(work, r);
            else { stepping.Add(work); tokens.Add(next); }
        }
        if (stepping.Count == 0) return true;
        try
        {
            _model.Backend.Step(stepping.Select(w => w.Sequence!).ToArray(), tokens);
        }
        catch (Exception e)
        {
            // A failed batched step leaves every sequence in it undefined, so all of them end.
            foreach (var w in stepping) Finish(w, FinishReason.Error, e);
        }
        return true;
    }

    /// <summary>
    /// Frees the request's place and reservation, then publishes its result: in that order, so a caller woken by the
    /// result already sees the engine's counters without it.
    /// </summary>
    void Finish(EngineWork work, FinishReason reason, Exception? error = null)
    {
        if (work.State != EngineRequestState.Queued)
        {
            if (_prompting == work) _prompting = null;
            _staging.Remove(work);
            _running.Remove(work);
            PublishRunning();
            _budget.Release(work.KvCost);
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
