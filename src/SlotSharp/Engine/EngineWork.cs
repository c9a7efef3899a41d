using System.Diagnostics;
using System.Threading.Channels;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp.Engine;

/// <summary>
/// The engine's record of one request: its settings, reservation, backend sequence, decode lanes and clocks. Only the
/// engine thread changes it, except <see cref="State"/>, which other threads read.
/// A request submitted with several SLOT branches (<see cref="SlotEngine.SubmitBranches"/>) keeps its one prefill and
/// decodes each branch in turn on it; a request with several choices (<see cref="EngineRequest.Choices"/>) decodes them
/// side by side, each on its own fork of the prefilled sequence. Every branch or choice gets its own
/// <see cref="EngineResult"/>.
/// </summary>
sealed class EngineWork
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly IReadOnlyList<SlotOptions?>? _branches;
    readonly List<EngineResult> _results = [];
    List<DecodeLane> _lanes = [];
    double _admittedAt, _decodeStartAt;
    float[]? _promptLogits;
    volatile EngineRequestState _state = EngineRequestState.Queued;

    public EngineWork(long id, EngineRequest request, GenerationOptions generation, long kvCost,
        IReadOnlyList<SlotOptions?>? branches, CancellationToken cancel)
    {
        Id = id; Request = request; Generation = generation; KvCost = kvCost; Cancel = cancel;
        _branches = branches;
        if (branches != null) { Tokens.Writer.TryComplete(); Text.Writer.TryComplete(); Pieces.Writer.TryComplete(); } // a branched request has no streams: nobody reads them
    }

    public long Id { get; }
    public EngineRequest Request { get; }
    /// <summary>The request's sampling settings with its end-of-sequence ids folded into the stop ids.</summary>
    public GenerationOptions Generation { get; }
    public long KvCost { get; }
    public CancellationToken Cancel { get; }
    public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
    /// <summary>Choice 0's decoded text as it becomes final (special tokens skipped, cut before a stop string).</summary>
    public Channel<string> Text { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = true });
    /// <summary>Every choice's text pieces with their tokens' log-probabilities.</summary>
    public Channel<EnginePiece> Pieces { get; } = Channel.CreateUnbounded<EnginePiece>(new UnboundedChannelOptions { SingleWriter = true });
    public TaskCompletionSource<EngineResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>One result per branch or choice, in order (a plain request: its one result).</summary>
    public TaskCompletionSource<IReadOnlyList<EngineResult>> Results { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngineRequestState State => _state;
    /// <summary>The prefill in progress, one chunk per engine step; null before admission and once it is done.</summary>
    public PrefillRun? Prefilling { get; private set; }
    public BackendSequence? Sequence { get; private set; }
    /// <summary>The SLOT prompt stage in progress, one optimizer step per engine step; null outside it.</summary>
    public ISlotStage? Slotting { get; private set; }
    /// <summary>The choices decoding now (empty outside the decode phase).</summary>
    public IReadOnlyList<DecodeLane> Lanes => _lanes;
    public SlotSummary? Slot { get; set; }
    /// <summary>Prompt tokens 1..T-1's log-probabilities under the current branch's delta, once computed.</summary>
    public IReadOnlyList<TokenLogprob>? PromptLogprobs { get; set; }
    public double PrefillMs { get; private set; }
    /// <summary>Time spent in the SLOT stage's own steps (not the decode steps between them).</summary>
    public double SlotStageMs { get; set; }
    public CancellationTokenRegistration CancelRegistration { get; set; }

    /// <summary>The SLOT settings of the branch being decoded (the request's own when it has no branches).</summary>
    public SlotOptions? BranchSlot => _branches != null ? _branches[_results.Count] : Request.Slot;

    /// <summary>True while branches remain after the current one.</summary>
    public bool HasNextBranch => _branches != null && _results.Count + 1 < _branches.Count;

    /// <summary>Whether any branch runs a SLOT prompt stage, which needs the prompt's hidden states H.</summary>
    public bool NeedsHidden => Request.LoadedDelta == null && (_branches ?? [Request.Slot]).Any(s => s is { Times: > 0 });

    /// <summary>Results a finished request publishes: one per branch, else one per choice.</summary>
    int ResultCount => _branches?.Count ?? Request.Choices;

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
        // Decoding overwrites the sequence's logits and a rewind does not restore them, so later branches need a copy.
        if (_branches is { Count: > 1 }) _promptLogits = Sequence.Logits.ToArray();
    }

    public void EnterSlotStage(ISlotStage stage)
    {
        Slotting = stage;
        _state = EngineRequestState.SlotStage;
    }

    /// <summary>The finished stage's result; frees the stage.</summary>
    public SlotOutcome CompleteSlotStage()
    {
        var result = Slotting!.Complete();
        Slotting.Dispose();
        Slotting = null;
        return result;
    }

    /// <summary>
    /// The lanes of the current branch: choice 0 on the request's sequence, choice j on <paramref name="fork"/>'s copy
    /// of it, seeded Seed + j, all with b = W delta (<paramref name="logitBias"/>, null: none).
    /// </summary>
    public void StartDecode(float[]? logitBias, int vocabSize, ITokenizer tokenizer, Func<BackendSequence, BackendSequence> fork)
    {
        var lanes = new List<DecodeLane>(Request.Choices);
        try
        {
            for (int j = 0; j < Request.Choices; j++)
            {
                var generation = j == 0 ? Generation : Generation with { Seed = unchecked(Generation.Seed + j) };
                var sequence = j == 0 ? Sequence! : fork(Sequence!);
                var decode = new DecodeState(Sequence!.PromptIds, generation, logitBias, vocabSize, Request.Logprobs,
                    Request.Constraint?.NewMatcher(tokenizer));
                lanes.Add(new DecodeLane(j, sequence, ownsSequence: j > 0, decode, tokenizer, Request.StopStrings, j == 0 ? _promptLogits : null));
            }
        }
        catch
        {
            foreach (var lane in lanes.Where(l => l.OwnsSequence)) lane.Sequence.Dispose();
            throw;
        }
        _lanes = lanes;
        if (PromptLogprobs is { } scored && _branches == null)
            foreach (var lane in lanes) Pieces.Writer.TryWrite(new EnginePiece(lane.Choice, "", scored) { Prompt = true });
        _decodeStartAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Decode;
    }

    /// <summary>Adds a lane's chosen token; true when a stop string is now complete (its text then ends before it).</summary>
    public bool PushToken(DecodeLane lane, int id)
    {
        if (lane.Choice == 0) Tokens.Writer.TryWrite(id);
        var (piece, stopped) = lane.Push(id);
        Publish(lane, piece);
        return stopped;
    }

    void Publish(DecodeLane lane, string piece)
    {
        if (piece.Length == 0) return;
        if (lane.Choice == 0) Text.Writer.TryWrite(piece);
        Pieces.Writer.TryWrite(new EnginePiece(lane.Choice, piece, lane.TakePending()));
    }

    /// <summary>The lane chose its last token: its held-back text and log-probabilities go out, and its result is set aside.</summary>
    public void EndLane(DecodeLane lane, FinishReason reason)
    {
        if (lane.Ended != null) return;
        lane.Ended = reason;
        Publish(lane, lane.Flush());
        if (lane.TakePending() is { Count: > 0 } rest) Pieces.Writer.TryWrite(new EnginePiece(lane.Choice, "", rest));
        if (lane.OwnsSequence) lane.Sequence.Dispose(); // a finished fork's cache is free at once
    }

    /// <summary>True once every lane of the current branch chose its last token.</summary>
    public bool AllLanesEnded => _lanes.All(l => l.Ended != null);

    /// <summary>Records the current branch's result and clears its lanes; the sequence stays for the next branch.</summary>
    public void EndBranch(FinishReason reason)
    {
        var lane = _lanes[0];
        EndLane(lane, reason);
        _results.Add(LaneResult(lane, reason, null));
        _lanes = [];
        Slot = null;
        PromptLogprobs = null;
        SlotStageMs = 0;
    }

    /// <summary>
    /// Frees the backend sequences or the partial prefill (their KV cache) and publishes the results; call once, on the
    /// engine thread. Lanes still decoding end with <paramref name="reason"/>; branches that never ran end with it
    /// and no tokens, so every branch or choice has a result.
    /// </summary>
    public EngineResult Finish(FinishReason reason, Exception? error)
    {
        Prefilling?.Dispose();
        Prefilling = null;
        Slotting?.Dispose();
        Slotting = null;
        CancelRegistration.Dispose();
        foreach (var lane in _lanes) EndLane(lane, reason);
        if (_lanes.Count > 0)
            foreach (var lane in _lanes) _results.Add(LaneResult(lane, lane.Ended!.Value, lane.Ended == reason ? error : null));
        else _results.Add(LaneResult(null, reason, error));
        Sequence?.Dispose();
        Sequence = null;
        _state = EngineRequestState.Finished;
        // A branched request's result is the branch that ended it; otherwise choice 0's.
        var result = _branches != null ? _results[^1] : _results[0];
        var last = _results[^1];
        while (_results.Count < ResultCount)
            _results.Add(last with { Choice = _branches == null ? _results.Count : 0, GeneratedIds = [], Text = "", Usage = last.Usage with { CompletionTokens = 0 }, Slot = null, Logprobs = null });
        Tokens.Writer.TryComplete();
        Text.Writer.TryComplete();
        Pieces.Writer.TryComplete();
        Result.TrySetResult(result);
        Results.TrySetResult(_results.ToArray());
        return result;
    }

    EngineResult LaneResult(DecodeLane? lane, FinishReason reason, Exception? error)
    {
        double now = _clock.Elapsed.TotalMilliseconds;
        bool admitted = _state != EngineRequestState.Queued;
        var timings = new EngineTimings(admitted ? _admittedAt : now, PrefillMs, SlotStageMs,
            lane != null ? now - _decodeStartAt : 0, now);
        int[] generated = lane?.Decode.Generated.ToArray() ?? [];
        return new EngineResult(Id, Request.PromptIds.ToArray(), generated, lane?.Text ?? "", reason,
            new EngineUsage(Request.PromptIds.Count, generated.Length), Slot, timings, error)
        {
            Choice = lane?.Choice ?? 0,
            Logprobs = lane?.Decode.Logprobs?.ToArray(),
            PromptLogprobs = PromptLogprobs,
        };
    }
}
