using System.Diagnostics;
using System.Threading.Channels;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Pipeline;

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
    public BackendSequence? Sequence { get; private set; }
    public DecodeState? Decode { get; private set; }
    public SlotSummary? Slot { get; set; }
    public double PrefillMs { get; set; }
    public double SlotStageMs { get; set; }
    public CancellationTokenRegistration CancelRegistration { get; set; }

    public void Admitted()
    {
        _admittedAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Prefill;
    }

    public void Prefilled(BackendSequence sequence) => Sequence = sequence;

    public void EnterSlotStage() => _state = EngineRequestState.SlotStage;

    public void StartDecode(float[]? logitBias, int vocabSize)
    {
        Decode = new DecodeState(Sequence!.PromptIds, Generation, logitBias, vocabSize);
        _decodeStartAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Decode;
    }

    /// <summary>Frees the backend sequence (its KV cache) and publishes the result; call once, on the engine thread.</summary>
    public EngineResult Finish(FinishReason reason, Exception? error)
    {
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
