using SlotSharp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>One prompt for a batched SLOT run: its final hidden states (T x d) and its ids (length T).</summary>
internal sealed record SlotPrompt(Tensor Hidden, IReadOnlyList<long> Ids);

/// <summary>
/// Runs the SLOT prompt stage against one LM head. Model-agnostic: it needs only the prompt's final hidden states
/// H (T x d, after the last norm, any float dtype), the LM head weight W (V x d, tied embedding or not) and the ids.
/// Not thread-safe; one runner per LM head and option set.
/// </summary>
internal sealed class SlotRunner : IDisposable
{
    readonly Tensor _lmHead;       // borrowed: runners over the same one share their products with W
    readonly TensorOutputWeight _w; // this runner's own reading of it
    readonly SlotOptions _options;
    readonly SlotHyperParameters _hp;
    readonly Action<string>? _warn;
    readonly HashSet<string> _warned = [];

    /// <param name="lmHead">W (V x d); borrowed, not disposed. float32 rows are read in place, bf16/fp16 rows widened one at a time.</param>
    /// <param name="warn">Receives each distinct warning once (short prompts, non-finite values).</param>
    public SlotRunner(Tensor lmHead, SlotOptions options, Action<string>? warn = null)
    {
        if (lmHead.dim() != 2) throw new SlotSharpException($"SLOT: the LM head weight must be V x d (got shape [{string.Join(", ", lmHead.shape)}])");
        _hp = options.Resolve();
        _options = options;
        _lmHead = lmHead;
        _warn = warn;
        _w = new TensorOutputWeight(lmHead);
    }

    /// <summary>Workers for the host products: libtorch's own intra-op thread count.</summary>
    static int Threads => Math.Max(1, TorchSharp.torch.get_num_threads());

    public SlotHyperParameters HyperParameters => _hp;

    /// <summary>Whether <paramref name="other"/> runs over the same W (the same borrowed tensor), so their products can be shared.</summary>
    internal bool SharesWeightWith(SlotRunner other) => ReferenceEquals(_lmHead, other._lmHead);

    public int HiddenSize => _w.Columns;

    public int VocabSize => _w.Rows;

    /// <summary>
    /// Optimizes delta for one prompt. <paramref name="hidden"/> is T x d (or 1 x T x d). <paramref name="cancel"/>
    /// is checked before every step (OperationCanceledException).
    /// </summary>
    public SlotResult Run(Tensor hidden, IReadOnlyList<long> ids, CancellationToken cancel = default) =>
        SlotStage.RunToEnd(Start(hidden, ids), cancel);

    /// <summary>
    /// The same optimization, run by the caller one step at a time (<see cref="SlotStage.Advance"/>). The stage borrows
    /// this runner (and copies what it needs of <paramref name="hidden"/>); with <paramref name="ownRunner"/> it
    /// disposes the runner too. Call it outside any dispose scope that ends before the stage does: the reference
    /// engine's autograd parameter and AdamW state are created in the ambient scope. <paramref name="promptLogits"/>
    /// ([T, V], optional): the prompt's logits H Wᵀ as the model computed them; the fast path then starts from them
    /// instead of its own product (the reference path always differentiates through its own).
    /// </summary>
    public SlotStage Start(Tensor hidden, IReadOnlyList<long> ids, bool ownRunner = false, Tensor? promptLogits = null)
    {
        var h = CheckInputs(hidden, ids);
        try
        {
            if (ids.Count < 2 || _hp.Times == 0)
            {
                if (ids.Count < 2 && _hp.Times > 0)
                    WarnOnce($"SLOT skipped for a prompt of {ids.Count} token(s): it needs at least 2 tokens to have a next-token target; delta stays 0");
                return new SlotStage(this, null, 0, ownRunner ? this : null);
            }
            ISlotGradient engine = _options.Impl == SlotImplKind.Reference
                ? new ReferenceSlotGradient(_lmHead, h, ids, _hp)
                : HostGradient(h, ids, promptLogits);
            return new SlotStage(this, engine, _hp.Times, ownRunner ? this : null);
        }
        finally
        {
            if (!ReferenceEquals(h, hidden)) h.Dispose(); // a squeezed view; the engines keep their own copies
        }
    }

    /// <summary>The fast path: <see cref="HostSlotGradient"/> on host copies of H (and of the prompt's logits, when given).</summary>
    HostSlotGradient HostGradient(Tensor hidden, IReadOnlyList<long> ids, Tensor? promptLogits)
    {
        using var h = TensorHost.Matrix(hidden);
        int n = ids.Count - 1;
        var l0 = promptLogits is { } given && given.shape[0] >= n && given.shape[1] == VocabSize
            && (long)n * VocabSize * sizeof(float) <= _options.MemoryBudgetBytes
            ? TensorHost.Matrix(given.narrow(0, 0, n)) : PromptLogits(h, n);
        try { return new HostSlotGradient(_w, h, ids.Select(i => (int)i).ToArray(), _hp, _options.MemoryBudgetBytes, l0, Threads, takeLogits: l0 is not null); }
        catch { l0?.Dispose(); throw; }
    }

    /// <summary>
    /// L0 = H[0..n) Wᵀ in float32 with libtorch's product when it fits the memory budget (else null: the stage streams).
    /// (This tensor-level runner is for tests and benchmarks; the torch backend's stage starts from the model's own logits.)
    /// </summary>
    HostMatrix? PromptLogits(HostMatrix hidden, int n)
    {
        if ((long)n * VocabSize * sizeof(float) > _options.MemoryBudgetBytes) return null;
        using var scope = NewDisposeScope();
        var h = TensorHost.Tensor(hidden).narrow(0, 0, n);
        return TensorHost.Matrix(h.mm(_w.Storage.to(float32).t()));
    }

    /// <summary>The weight the fast path reads, for sharing products among runners over one W.</summary>
    internal OutputWeight Weight => _w;

    /// <summary>
    /// Prompts of different lengths, no padding: one independent delta per prompt (its own mean loss and Adam state),
    /// identical to running each prompt alone.
    /// </summary>
    public IReadOnlyList<SlotResult> RunBatch(IReadOnlyList<SlotPrompt> prompts, CancellationToken cancel = default)
    {
        var results = new List<SlotResult>(prompts.Count);
        try
        {
            foreach (var p in prompts) results.Add(Run(p.Hidden, p.Ids, cancel));
        }
        catch
        {
            foreach (var r in results) r.Dispose(); // the caller never sees the finished ones
            throw;
        }
        return results;
    }

    /// <summary>b = W delta as a float32 V-vector on W's device (the caller owns it).</summary>
    public Tensor LogitBias(ReadOnlySpan<float> delta)
    {
        if (delta.Length != HiddenSize) throw new SlotSharpException($"SLOT: delta has {delta.Length} values but the LM head's hidden size is {HiddenSize}");
        return torch.tensor(WeightProducts.Products(_w, [delta.ToArray()], Threads)[0], dtype: float32, device: _lmHead.device);
    }

    /// <summary>The result of a stage's loop (null: skipped, delta 0); <paramref name="hostBias"/> is b = W delta when the engine has it.</summary>
    internal SlotResult Finish(SlotLoop.Outcome? outcome, float[]? hostBias)
    {
        if (outcome?.StopReason is { } reason) WarnOnce($"SLOT stopped early: {reason}");
        var delta = outcome?.Delta ?? new double[HiddenSize];
        var f = new float[delta.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)delta[i];
        var bias = (hostBias is null ? LogitBias(f) : torch.tensor(hostBias, dtype: float32, device: _lmHead.device)).DetachFromDisposeScope(); // owned by the result
        return new SlotResult(f, outcome?.Losses ?? [], outcome?.DeltaNorms ?? [], bias, skipped: outcome == null, outcome?.StopReason);
    }

    Tensor CheckInputs(Tensor hidden, IReadOnlyList<long> ids)
    {
        var h = hidden.dim() == 3 && hidden.shape[0] == 1 ? hidden.squeeze(0) : hidden;
        if (h.dim() != 2) throw new SlotSharpException($"SLOT: hidden states must be T x d (got shape [{string.Join(", ", hidden.shape)}])");
        if (!h.is_floating_point()) throw new SlotSharpException($"SLOT: hidden states must be floating point (got {h.dtype})");
        if (h.shape[1] != HiddenSize) throw new SlotSharpException($"SLOT: hidden states have width {h.shape[1]} but the LM head's hidden size is {HiddenSize}");
        if (h.shape[0] != ids.Count) throw new SlotSharpException($"SLOT: hidden states have {h.shape[0]} rows but the prompt has {ids.Count} ids");
        if (h.device_type != _lmHead.device_type || h.device_index != _lmHead.device_index) throw new SlotSharpException($"SLOT: hidden states are on {h.device} but the LM head is on {_lmHead.device}");
        for (int i = 0; i < ids.Count; i++)
            if (ids[i] < 0 || ids[i] >= VocabSize) throw new SlotSharpException($"SLOT: prompt id {ids[i]} at position {i} is outside the vocabulary [0, {VocabSize})");
        return h;
    }

    void WarnOnce(string message)
    {
        if (_warned.Add(message)) _warn?.Invoke(message);
    }

    public void Dispose() => _w.Dispose();
}
