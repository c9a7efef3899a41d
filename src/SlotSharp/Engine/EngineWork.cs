using System.Diagnostics;
using System.Threading.Channels;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Pipeline;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// The engine's record of one request: its settings, reservation, backend sequence, decode state and clocks. Only the
/// engine thread changes it, except <see cref="State"/>, which other threads read.
/// </summary>
sealed class EngineWork(long id, EngineRequest request, GenerationOptions generation, long kvCost, CancellationToken cancel)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    double _admittedAt, _decodeStartAt;
    volatile EngineRequestState _state = EngineRequestState.Queued;

    public long Id { get; } = id;
    public EngineRequest Request { get; } = request;
    /// <summary>The request's sampling settings with its end-of-sequence ids folded into the stop ids.</summary>
    public GenerationOptions Generation { get; } = generation;
    public long KvCost { get; } = kvCost;
    public CancellationToken Cancel { get; } = cancel;
    public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
    public TaskCompletionSource<EngineResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngineRequestState State => _state;
    /// <summary>The prefill in progress, one chunk per engine step; null before admission and once it is done.</summary>
    public PrefillRun? Prefilling { get; private set; }
    public BackendSequence? Sequence { get; private set; }
    /// <summary>The SLOT prompt stage in progress, one optimizer step per engine step; null outside it.</summary>
    public SlotStage? Slotting { get; private set; }
    public DecodeState? Decode { get; private set; }
    public SlotSummary? Slot { get; set; }
    public double PrefillMs { get; private set; }
    /// <summary>Time spent in the SLOT stage's own steps (not the decode steps between them).</summary>
    public double SlotStageMs { get; set; }
    public CancellationTokenRegistration CancelRegistration { get; set; }

    public void Admitted(PrefillRun prefill)
    {
        _admittedAt = _clock.Elapsed.TotalMilliseconds;
        Prefilling = prefill;
        _state = EngineRequestState.Prefill;
    }

    /// <summary>Takes the finished prefill's sequence. PrefillMs is the phase's wall time, decode steps between chunks included.</summary>
    public void Prefilled()
    {
        Sequence = Prefilling!.Complete();
        Prefilling.Dispose();
        Prefilling = null;
        PrefillMs = _clock.Elapsed.TotalMilliseconds - _admittedAt;
    }

    public void EnterSlotStage(SlotStage stage)
    {
        Slotting = stage;
        _state = EngineRequestState.SlotStage;
    }

    /// <summary>The finished stage's result (the caller disposes it); frees the stage.</summary>
    public SlotResult CompleteSlotStage()
    {
        var result = Slotting!.Complete();
        Slotting.Dispose();
        Slotting = null;
        return result;
    }

    public void StartDecode(float[]? logitBias, int vocabSize)
    {
        Decode = new DecodeState(Sequence!.PromptIds, Generation, logitBias, vocabSize);
        _decodeStartAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Decode;
    }

    /// <summary>Frees the backend sequence or the partial prefill (its KV cache) and publishes the result; call once, on the engine thread.</summary>
    public EngineResult Finish(FinishReason reason, Exception? error)
    {
        Prefilling?.Dispose();
        Prefilling = null;
        Slotting?.Dispose();
        Slotting = null;
        Sequence?.Dispose();
        Sequence = null;
        CancelRegistration.Dispose();
        double now = _clock.Elapsed.TotalMilliseconds;
        bool admitted = _state != EngineRequestState.Queued;
        var timings = new EngineTimings(admitted ? _admittedAt : now, PrefillMs, SlotStageMs,
            Decode != null ? now - _decodeStartAt : 0, now);
        int[] generated = Decode?.Generated.ToArray() ?? [];
        _state = EngineRequestState.Finished;
        var result = new EngineResult(Id, Request.PromptIds.ToArray(), generated, reason,
            new EngineUsage(Request.PromptIds.Count, generated.Length), Slot, timings, error);
        Tokens.Writer.TryComplete();
        Result.TrySetResult(result);
        return result;
    }
}
