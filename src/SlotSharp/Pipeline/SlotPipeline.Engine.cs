using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Pipeline;

/// <summary>
/// The pipeline's engine. Backends are single-threaded, so one <see cref="SlotEngine"/> at a time owns the backend:
/// either one built explicitly (<c>new SlotEngine(pipeline, options)</c>, e.g. the server's) or, when none is, the
/// pipeline's own, created with default <see cref="EngineOptions"/> on first use and disposed with the pipeline.
/// While an engine owns the backend, nothing else may drive it: <see cref="Prefill"/> called from another thread stops
/// the pipeline's own engine when it is idle (the next <see cref="Generate"/> starts a new one) and otherwise throws.
/// </summary>
public sealed partial class SlotPipeline
{
    readonly object _engineGate = new(); // a Monitor, because the engine's constructor re-enters it through Attach
    SlotEngine? _engine;
    bool _ownsEngine, _disposed;

    /// <summary>The engine that owns the backend; the pipeline starts its own (default options) when none does.</summary>
    public SlotEngine Engine
    {
        get
        {
            lock (_engineGate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_engine == null)
                {
                    _ = new SlotEngine(this, OwnEngineOptions()); // attaches itself
                    _ownsEngine = true;
                }
                return _engine!;
            }
        }
    }

    /// <summary>
    /// Default limits, except that on TorchSharp the KV budget always admits one request spanning the model's whole
    /// trained context: single-request callers (Generate, `slot generate`) are then refused nothing the context check
    /// allows, as before the engine (a 2 GiB default holds only ~16k positions of an 8B bf16 model).
    /// </summary>
    EngineOptions OwnEngineOptions()
    {
        var defaults = new EngineOptions();
        if (Backend is not TorchBackend) return defaults; // llama.cpp's budget is its context's cells
        long wholeContext = KvBudget.For(Backend, defaults).Cost(Backend.MaxPositions, 1);
        return defaults with { KvBudgetBytes = Math.Max(defaults.KvBudgetBytes, wholeContext) };
    }

    /// <summary>
    /// Called by a new engine's constructor. The pipeline's own engine gives way when idle; any other engine refuses,
    /// since two engine threads would drive one backend.
    /// </summary>
    internal void Attach(SlotEngine engine)
    {
        SlotEngine? replaced;
        lock (_engineGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            replaced = _engine;
            if (replaced != null && !(_ownsEngine && replaced.Idle))
                throw new InvalidOperationException("another SlotEngine already owns this pipeline's backend (one engine per pipeline): dispose it first, or submit to SlotPipeline.Engine");
            _engine = engine;
            _ownsEngine = false;
        }
        replaced?.Dispose(); // joins its thread before the new engine's starts
    }

    /// <summary>Called by a disposed engine, so the next use starts a new one.</summary>
    internal void Detach(SlotEngine engine)
    {
        lock (_engineGate)
            if (_engine == engine) { _engine = null; _ownsEngine = false; }
    }

    void ClaimBackendForDirectUse()
    {
        SlotEngine? stopping;
        lock (_engineGate)
        {
            if (_engine == null || _engine.OnEngineThread) return;
            if (!_ownsEngine || !_engine.Idle)
                throw new InvalidOperationException("a running SlotEngine owns this pipeline's backend: submit to SlotPipeline.Engine instead of driving the backend directly");
            stopping = _engine;
            _engine = null;
            _ownsEngine = false;
        }
        stopping.Dispose();
    }

    void StopEngine()
    {
        SlotEngine? engine;
        lock (_engineGate)
        {
            _disposed = true;
            engine = _engine;
        }
        engine?.Dispose();
    }

    /// <summary>
    /// One generation through <see cref="Engine"/>: prefill, SLOT prompt stage (skipped when <paramref name="slot"/> is
    /// null or times is 0; replaced by <paramref name="loadedDelta"/> when given), then decoding with b = W delta
    /// added to every logit, stopping at <paramref name="generation"/>'s stop ids only. Other callers' requests decode
    /// beside it. <paramref name="onToken"/> sees each id on the calling thread; <paramref name="onBias"/> sees
    /// b = W delta on the engine thread before decoding starts. Once <paramref name="cancel"/> is cancelled, the
    /// request ends at the engine's next step: before its first token (prefill, SLOT stage) this throws
    /// <see cref="OperationCanceledException"/>, later it returns the tokens so far. A failure of the prefill, SLOT
    /// stage or decoding is rethrown as it was thrown.
    /// </summary>
    public SlotGeneration Generate(IReadOnlyList<int> promptIds, GenerationOptions generation, SlotOptions? slot = null,
        float[]? loadedDelta = null, Action<int>? onToken = null, Action<Tensor>? onBias = null, CancellationToken cancel = default)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancel); // also ends the request if onToken throws
        var handle = Engine.Submit(new EngineRequest(promptIds)
        {
            Generation = generation, EosIds = [], Slot = slot, LoadedDelta = loadedDelta, OnLogitBias = onBias,
        }, end.Token);
        try
        {
            foreach (int id in handle.Tokens.ReadAllAsync().ToBlockingEnumerable()) onToken?.Invoke(id);
        }
        catch
        {
            end.Cancel();
            handle.Completion.GetAwaiter().GetResult();
            throw;
        }
        return ToGeneration(handle.Completion.GetAwaiter().GetResult(), cancel);
    }

    static SlotGeneration ToGeneration(EngineResult result, CancellationToken cancel)
    {
        result.ThrowIfFailed(cancel);
        var t = result.Timings;
        var timing = new GenerationTiming(t.PrefillMs, t.SlotStageMs, t.DecodeMs, Math.Max(0, result.GeneratedIds.Length - 1));
        return new SlotGeneration(new GenerationResult(result.PromptIds, result.GeneratedIds, timing, result.FinishReason == FinishReason.Stop), result.Slot);
    }
}
