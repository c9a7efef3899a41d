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
/// runs its branches in waves of <see cref="Places"/>: the wave's SLOT stages advance together, then its branches
/// decode side by side, each on its own fork of the prefilled sequence (the first on the sequence itself, rewound to
/// the prompt after each wave). A request with several choices (<see cref="EngineRequest.Choices"/>) decodes them side
/// by side the same way under one stage. Every branch or choice gets its own <see cref="EngineResult"/>.
/// </summary>
sealed class EngineWork
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly IReadOnlyList<SlotOptions?>? _branches;
    readonly List<EngineResult> _results = [];
    readonly List<(int Branch, ISlotStage Stage)> _stages = [];
    readonly Dictionary<int, SlotSummary> _summaries = [];
    List<DecodeLane> _lanes = [];
    int _waveStart;
    double _admittedAt, _decodeStartAt;
    float[]? _promptLogits;
    volatile EngineRequestState _state = EngineRequestState.Queued;

    /// <param name="places">Sequences it decodes at once: its choices, or the branches of one wave.</param>
    public EngineWork(long id, EngineRequest request, GenerationOptions generation, long kvCost,
        IReadOnlyList<SlotOptions?>? branches, int places, CancellationToken cancel)
    {
        Id = id; Request = request; Generation = generation; KvCost = kvCost; Cancel = cancel; Places = places;
        _branches = branches;
        if (branches != null) { Tokens.Writer.TryComplete(); Text.Writer.TryComplete(); Pieces.Writer.TryComplete(); } // a branched request has no streams: nobody reads them
    }

    public long Id { get; }
    public EngineRequest Request { get; }
    /// <summary>The request's sampling settings with its end-of-sequence ids folded into the stop ids.</summary>
    public GenerationOptions Generation { get; }
    public long KvCost { get; }
    public int Places { get; }
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
    /// <summary>The SLOT prompt stages in progress (the wave's branches that run one), one optimizer step per engine step.</summary>
    public IEnumerable<ISlotStage> Stages => _stages.Select(s => s.Stage);
    /// <summary>True once every stage of the wave is done (also when it has none).</summary>
    public bool StagesFinished => _stages.All(s => s.Stage.Finished);
    /// <summary>The choices or branches decoding now (empty outside the decode phase).</summary>
    public IReadOnlyList<DecodeLane> Lanes => _lanes;
    public double PrefillMs { get; private set; }
    /// <summary>Time spent in the SLOT stage's own steps (not the decode steps between them).</summary>
    public double SlotStageMs { get; set; }
    public CancellationTokenRegistration CancelRegistration { get; set; }
    /// <summary>The cached prefix the prefill started after, until its rows are copied (engine's prefix cache).</summary>
    public (PrefixCache.Entry Entry, int Reuse)? ReusedPrefix { get; set; }
    /// <summary>Submitted with SLOT branches (a sweep).</summary>
    public bool Branched => _branches != null;

    /// <summary>The branches of the current wave (a request without branches: its one, numbered 0).</summary>
    public IReadOnlyList<int> WaveBranches => _branches == null ? [0]
        : Enumerable.Range(_waveStart, Math.Min(Places, _branches.Count - _waveStart)).ToArray();

    /// <summary>The SLOT settings of a branch (the request's own when it has no branches).</summary>
    public SlotOptions? SlotOf(int branch) => _branches != null ? _branches[branch] : Request.Slot;

    /// <summary>Whether a branch runs a SLOT prompt stage (a loaded delta runs none).</summary>
    public bool RunsSlot(int branch) => Request.LoadedDelta == null && SlotOf(branch) is { Times: > 0 };

    /// <summary>Whether the current wave has anything to do before it decodes: a SLOT stage or a loaded delta's bias.</summary>
    public bool WaveNeedsStage => Request.LoadedDelta != null || WaveBranches.Any(RunsSlot);

    /// <summary>True while waves of branches remain after the current one.</summary>
    public bool HasNextWave => _branches != null && _waveStart + Places < _branches.Count;

    /// <summary>The last branch that runs a SLOT stage: its stage may take the prompt's logits instead of copying them.</summary>
    public int LastStageBranch => Enumerable.Range(0, _branches?.Count ?? 1).LastOrDefault(RunsSlot, -1);

    /// <summary>A finished stage's summary of a branch, once recorded.</summary>
    public SlotSummary? SummaryOf(int branch) => _summaries.GetValueOrDefault(branch);

    public void RecordSummary(int branch, SlotSummary summary) => _summaries[branch] = summary;

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
        // Decoding overwrites the sequence's logits (and a fork copies them), so every branch starts from a copy.
        if (_branches != null) _promptLogits = Sequence.Logits.ToArray();
    }

    public void EnterSlotStage(int branch, ISlotStage stage)
    {
        _stages.Add((branch, stage));
        _state = EngineRequestState.SlotStage;
    }

    /// <summary>The finished stages' results by branch; frees the stages.</summary>
    public IReadOnlyList<(int Branch, SlotOutcome Outcome)> CompleteSlotStages()
    {
        var results = new List<(int, SlotOutcome)>(_stages.Count);
        try
        {
            foreach (var (branch, stage) in _stages) results.Add((branch, stage.Complete()));
        }
        finally
        {
            foreach (var (_, stage) in _stages) stage.Dispose();
            _stages.Clear();
        }
        return results;
    }

    /// <summary>
    /// The lanes of the current wave. Without branches: choice j of <see cref="EngineRequest.Choices"/>, seeded Seed + j,
    /// all under <paramref name="starts"/>' one entry. With branches: one lane per entry, each with its branch's bias and
    /// the request's seed (so each branch is what the request alone with that setting gives). The first lane decodes on
    /// the request's sequence, the others on <paramref name="fork"/>'s copies of it.
    /// </summary>
    public void StartDecode(IReadOnlyList<LaneStart> starts, int vocabSize, ITokenizer tokenizer, Func<BackendSequence, BackendSequence> fork)
    {
        int count = _branches != null ? starts.Count : Request.Choices;
        var lanes = new List<DecodeLane>(count);
        try
        {
            for (int j = 0; j < count; j++)
            {
                var start = _branches != null ? starts[j] : starts[0];
                var generation = _branches != null || j == 0 ? Generation : Generation with { Seed = unchecked(Generation.Seed + j) };
                var sequence = j == 0 ? Sequence! : fork(Sequence!);
                var decode = new DecodeState(Sequence!.PromptIds, generation, start.Bias, vocabSize, Request.Logprobs,
                    Request.Constraint?.NewMatcher(tokenizer));
                lanes.Add(new DecodeLane(_branches != null ? 0 : j, sequence, ownsSequence: j > 0, decode, tokenizer, Request.StopStrings, _promptLogits)
                {
                    Slot = start.Slot,
                    PromptLogprobs = start.PromptLogprobs,
                });
            }
        }
        catch
        {
            foreach (var lane in lanes.Where(l => l.OwnsSequence)) lane.Sequence.Dispose();
            throw;
        }
        _lanes = lanes;
        if (starts[0].PromptLogprobs is { } scored && _branches == null)
            foreach (var lane in lanes) Pieces.Writer.TryWrite(new EnginePiece(lane.Choice, "", scored) { Prompt = true });
        _decodeStartAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Decode;
    }

    /// <summary>Hands the request's own sequence to the caller (the prefix cache), who disposes it.</summary>
    public BackendSequence TakeSequence()
    {
        var sequence = Sequence ?? throw new InvalidOperationException("the request has no sequence");
        Sequence = null;
        return sequence;
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

    /// <summary>Records the ended wave's results in branch order and clears its lanes; the sequence stays for the next wave.</summary>
    public void EndWave()
    {
        foreach (var lane in _lanes) _results.Add(LaneResult(lane, lane.Ended!.Value, null));
        _lanes = [];
        _waveStart += Places;
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
        foreach (var (_, stage) in _stages) stage.Dispose();
        _stages.Clear();
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
            _results.Add(last with { Choice = _branches == null ? _results.Count : 0, GeneratedIds = [], Text = "", Usage = last.Usage with { CompletionTokens = 0 }, Slot = null, Logprobs = null, PromptLogprobs = null });
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
            new EngineUsage(Request.PromptIds.Count, generated.Length), lane?.Slot, timings, error)
        {
            Choice = lane?.Choice ?? 0,
            Logprobs = lane?.Decode.Logprobs?.ToArray(),
            PromptLogprobs = lane?.PromptLogprobs,
        };
    }
}

/// <summary>What a lane starts with: its branch, b = W delta (null: none), its stage's summary and the prompt's log-probabilities under its bias.</summary>
internal sealed record LaneStart(int Branch, float[]? Bias, SlotSummary? Slot, IReadOnlyList<TokenLogprob>? PromptLogprobs);
