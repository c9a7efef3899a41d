using System.Diagnostics;
using System.Threading.Channels;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp.Engine;

/// <summary>
/// The engine's record of one request: its settings, reservation, backend sequence, decode state and clocks. Only the
/// engine thread changes it, except <see cref="State"/>, which other threads read.
/// A request submitted with several SLOT branches (<see cref="SlotEngine.SubmitBranches"/>) keeps its one prefill and
/// decodes each branch in turn on it; every branch gets its own <see cref="EngineResult"/>.
/// </summary>
sealed class EngineWork
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly IReadOnlyList<SlotOptions?>? _branches;
    readonly List<EngineResult> _branchResults = [];
    double _admittedAt, _decodeStartAt;
    float[]? _promptLogits;
    StreamingDetokenizer? _detokenizer;
    StopStringFilter? _stops;
    readonly System.Text.StringBuilder _text = new();
    volatile EngineRequestState _state = EngineRequestState.Queued;

    public EngineWork(long id, EngineRequest request, GenerationOptions generation, long kvCost,
        IReadOnlyList<SlotOptions?>? branches, CancellationToken cancel)
    {
        Id = id; Request = request; Generation = generation; KvCost = kvCost; Cancel = cancel;
        _branches = branches;
        if (branches != null) { Tokens.Writer.TryComplete(); Text.Writer.TryComplete(); } // a branched request has no streams: nobody reads them
    }

    public long Id { get; }
    public EngineRequest Request { get; }
    /// <summary>The request's sampling settings with its end-of-sequence ids folded into the stop ids.</summary>
    public GenerationOptions Generation { get; }
    public long KvCost { get; }
    public CancellationToken Cancel { get; }
    public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
    /// <summary>The decoded text as it becomes final (special tokens skipped, cut before a stop string).</summary>
    public Channel<string> Text { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = true });
    public TaskCompletionSource<EngineResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>One result per branch, in branch order (a request without branches: its one result).</summary>
    public TaskCompletionSource<IReadOnlyList<EngineResult>> BranchResults { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngineRequestState State => _state;
    /// <summary>The prefill in progress, one chunk per engine step; null before admission and once it is done.</summary>
    public PrefillRun? Prefilling { get; private set; }
    public BackendSequence? Sequence { get; private set; }
    /// <summary>The SLOT prompt stage in progress, one optimizer step per engine step; null outside it.</summary>
    public ISlotStage? Slotting { get; private set; }
    public DecodeState? Decode { get; private set; }
    public SlotSummary? Slot { get; set; }
    public double PrefillMs { get; private set; }
    /// <summary>Time spent in the SLOT stage's own steps (not the decode steps between them).</summary>
    public double SlotStageMs { get; set; }
    public CancellationTokenRegistration CancelRegistration { get; set; }

    /// <summary>The SLOT settings of the branch being decoded (the request's own when it has no branches).</summary>
    public SlotOptions? BranchSlot => _branches != null ? _branches[_branchResults.Count] : Request.Slot;

    /// <summary>True while branches remain after the current one.</summary>
    public bool HasNextBranch => _branches != null && _branchResults.Count + 1 < _branches.Count;

    /// <summary>Whether any branch runs a SLOT prompt stage, which needs the prompt's hidden states H.</summary>
    public bool NeedsHidden => Request.LoadedDelta == null && (_branches ?? [Request.Slot]).Any(s => s is { Times: > 0 });

    /// <summary>Logits to choose the next token from: a later branch's first token comes from the prompt's own.</summary>
    public ReadOnlySpan<float> NextLogits => Decode!.Generated.Count == 0 && _promptLogits != null ? _promptLogits : Sequence!.Logits;

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

    public void StartDecode(float[]? logitBias, int vocabSize, ITokenizer tokenizer)
    {
        Decode = new DecodeState(Sequence!.PromptIds, Generation, logitBias, vocabSize);
        _detokenizer = new StreamingDetokenizer(tokenizer, skipSpecialTokens: true);
        _stops = new StopStringFilter(Request.StopStrings);
        _text.Clear();
        _decodeStartAt = _clock.Elapsed.TotalMilliseconds;
        _state = EngineRequestState.Decode;
    }

    /// <summary>
    /// Adds a chosen token's text; true when a stop string is now complete (the text then ends before it). Text that
    /// may still begin a stop string is held back, so no stream shows what the whole answer cuts.
    /// </summary>
    public bool PushText(int id)
    {
        var shown = _stops!.Push(_detokenizer!.Push(id));
        Release(shown);
        return _stops.Stopped;
    }

    /// <summary>The text held back at the end of a branch (a stop string that never completed, bytes of a last character).</summary>
    void FlushText()
    {
        if (_stops == null || _stops.Stopped) return;
        Release(_stops.Push(_detokenizer!.Flush()));
        Release(_stops.Flush());
    }

    void Release(string text)
    {
        if (text.Length == 0) return;
        _text.Append(text);
        Text.Writer.TryWrite(text);
    }

    /// <summary>Records the current branch's result and clears its decode state; the sequence stays for the next branch.</summary>
    public void EndBranch(FinishReason reason)
    {
        FlushText();
        _branchResults.Add(BranchResult(reason, null));
        Decode = null;
        _stops = null;
        Slot = null;
        SlotStageMs = 0;
    }

    /// <summary>
    /// Frees the backend sequence or the partial prefill (its KV cache) and publishes the result; call once, on the engine thread. Branches
    /// that never ran end with the same reason and no tokens, so every branch has a result.
    /// </summary>
    public EngineResult Finish(FinishReason reason, Exception? error)
    {
        Prefilling?.Dispose();
        Prefilling = null;
        Slotting?.Dispose();
        Slotting = null;
        Sequence?.Dispose();
        Sequence = null;
        CancelRegistration.Dispose();
        FlushText();
        var result = BranchResult(reason, error);
        _state = EngineRequestState.Finished;
        _branchResults.Add(result);
        while (_branchResults.Count < (_branches?.Count ?? 1)) _branchResults.Add(result with { GeneratedIds = [], Usage = result.Usage with { CompletionTokens = 0 }, Slot = null });
        Tokens.Writer.TryComplete();
        Text.Writer.TryComplete();
        Result.TrySetResult(result);
        BranchResults.TrySetResult(_branchResults.ToArray());
        return result;
    }

    EngineResult BranchResult(FinishReason reason, Exception? error)
    {
        double now = _clock.Elapsed.TotalMilliseconds;
        bool admitted = _state != EngineRequestState.Queued;
        var timings = new EngineTimings(admitted ? _admittedAt : now, PrefillMs, SlotStageMs,
            Decode != null ? now - _decodeStartAt : 0, now);
        int[] generated = Decode?.Generated.ToArray() ?? [];
        return new EngineResult(Id, Request.PromptIds.ToArray(), generated, Decode != null ? _text.ToString() : "", reason,
            new EngineUsage(Request.PromptIds.Count, generated.Length), Slot, timings, error);
    }
}
