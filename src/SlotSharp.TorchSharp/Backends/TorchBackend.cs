using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>
/// Hugging Face checkpoints on TorchSharp: the exact float32 reference. Each sequence has its own KV cache, which
/// grows with the tokens actually generated; a step runs the sequences one after another (a batched product's rows
/// differ from one-row products in the last bits, and this backend's job is to be the reference).
/// </summary>
public sealed class TorchBackend : IModelBackend, ITensorBackend
{
    internal TorchBackend(CausalLM model) => Model = model;

    TensorSlotMath? _slot;

    /// <summary>
    /// Prompt positions per forward pass. Attention scores take heads x chunk x positions floats, so a 32k-token
    /// prompt in one pass would need tens of GB; chunks through the KV cache keep it bounded (same semantics).
    /// </summary>
    public int PrefillChunk { get; init; } = 512;

    /// <summary>
    /// Largest [T, V] float32 block of prompt logits a SLOT prefill keeps for the prompt stage; a longer prompt's
    /// stage recomputes its logits from H each step instead (correct, much slower).
    /// </summary>
    public long PromptLogitsMaxBytes { get; init; } = 512L << 20;

    /// <summary>Positions a new cache reserves beyond the prompt before it first has to grow (then it doubles).</summary>
    internal const int CacheGrowthChunk = 256;

    /// <summary>Test seam: sees the positions prefilled so far after each chunk.</summary>
    internal Action<int>? AfterPrefillChunk { get; init; }

    internal CausalLM Model { get; }
    public string Name => "torch";
    public int VocabSize => Model.Config.VocabSize;
    public int HiddenSize => Model.Config.HiddenSize;
    public int MaxPositions => Model.Config.MaxPositionEmbeddings;
    public Tensor LmHeadWeight => Model.LmHeadWeight;
    public ISlotMath SlotMath => _slot ??= new TensorSlotMath(Model.LmHeadWeight);
    /// <summary>Each sequence's cache grows on demand: layers x kv_heads x head_dim x 2 (K and V) x element size per position.</summary>
    public KvGeometry Kv => new(KvUnit.Bytes, (long)Model.Config.NumHiddenLayers * Model.Config.NumKeyValueHeads * Model.Config.HeadDim * 2
        * (Model.Compute.DType switch { ScalarType.Float64 => 8, ScalarType.Float32 => 4, _ => 2 }), Capacity: null);
    /// <summary>Caches are per sequence, so only memory (the engine's budget) limits how many live at once.</summary>
    public int MaxSequences => int.MaxValue;
    /// <summary>Cached prefixes are bounded by the engine's KV budget alone.</summary>
    public int CacheSequences => int.MaxValue;

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default) =>
        PrefillRun.RunToEnd(StartPrefill(promptIds, keepHidden, expectedLength), cancel);

    public PrefillRun StartPrefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false)
    {
        if (PrefillChunk < 1) throw new SlotSharpException($"prefill chunk must be >= 1, got {PrefillChunk}");
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        // A new cache allocates nothing until its first append, so a run disposed before its first chunk costs nothing.
        return new Prefilling(this, promptIds.ToArray(), keepHidden, keepLogits, Model.NewCache(promptIds.Count + CacheGrowthChunk, expectedLength), 0);
    }

    /// <summary>A copy of the prefix's first positions of cache; only the rest of the prompt runs.</summary>
    public PrefillRun StartPrefillAfter(BackendSequence prefix, int reuse, IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false)
    {
        var source = Own(prefix);
        if (reuse < 1 || reuse >= promptIds.Count || reuse > source.Length)
            throw new ArgumentOutOfRangeException(nameof(reuse), reuse, $"a reused prefix is 1 to {Math.Min(promptIds.Count - 1, source.Length)} positions here");
        var cache = source.Cache.Copy(reuse);
        cache.ExpectedMaximum = expectedLength;
        return new Prefilling(this, promptIds.ToArray(), keepHidden, keepLogits, cache, reuse);
    }

    /// <summary>A copy of the source's cache (the filled positions only) and of its last logits.</summary>
    public BackendSequence Fork(BackendSequence source)
    {
        var s = Own(source);
        var fork = new Sequence(s.Cache.Copy(), s.PromptIds, (float[])s.Logits.Clone(), 0, null, null);
        fork.Length = s.Length;
        return fork;
    }

    public void Rewind(BackendSequence sequence, int length)
    {
        Own(sequence).Cache.Rewind(length);
        sequence.Length = length;
    }

    public void Step(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = Own(sequences[i]);
            using var input = tensor(new long[] { tokens[i] }, [1L, 1L]);
            using var output = Model.Forward(input, s.Cache, LogitsMode.Last);
            using var row = output.Logits!.view(-1);
            TensorHost.CopyTo(row, s.Logits);
            s.Length++;
        }
    }

    /// <summary>Positions the sequence's KV cache holds now (tests check it grows with use, not with max_new_tokens).</summary>
    internal static long CacheCapacity(BackendSequence sequence) => Own(sequence).Cache.Capacity;

    static Sequence Own(BackendSequence s) => s as Sequence ?? throw new ArgumentException("the sequence belongs to another backend");

    /// <summary>The backend owns the model and its SLOT math; sequences own their caches.</summary>
    public void Dispose()
    {
        _slot?.Dispose();
        Model.Dispose();
    }

    sealed class Sequence(KvCache cache, int[] promptIds, float[] logits, double ms, HostMatrix? hidden, HostMatrix? promptLogits)
        : BackendSequence(promptIds, logits, ms, hidden, promptLogits)
    {
        public KvCache Cache { get; } = cache;
        protected override void ReleaseEngineState() => Cache.Dispose();
    }

    /// <summary>
    /// The chunks run through the sequence's own KV cache. With keepHidden, each chunk's H rows and (within
    /// <see cref="PromptLogitsMaxBytes"/>, or always with keepLogits) its logits rows go to host matrices; otherwise
    /// only the last row's logits are computed.
    /// </summary>
    sealed class Prefilling(TorchBackend owner, int[] promptIds, bool keepHidden, bool keepLogits, KvCache cache, int start)
        : PrefillRun(promptIds, keepHidden, start)
    {
        HostMatrix? _hidden = keepHidden ? new HostMatrix(promptIds.Length, owner.HiddenSize) : null;
        HostMatrix? _allLogits = keepLogits || keepHidden && (long)promptIds.Length * owner.VocabSize * sizeof(float) <= owner.PromptLogitsMaxBytes
            ? new HostMatrix(promptIds.Length, owner.VocabSize) : null;
        float[]? _logits;

        public override int MaxChunk => owner.PrefillChunk;

        protected override void RunChunk(int start, int count)
        {
            var chunkIds = new long[count];
            for (int i = 0; i < count; i++) chunkIds[i] = PromptIds[start + i];
            using var scope = NewDisposeScope();
            using var ids = tensor(chunkIds, [1L, count]);
            using var output = owner.Model.Forward(ids, cache, LogitsMode.None);
            var h = output.Hidden[0]; // [count, d]
            if (_hidden is not null) TensorHost.CopyTo(h, _hidden.RowSpan(start, count));
            if (_allLogits is not null)
            {
                var logits = owner.Model.Logits(h.unsqueeze(0)); // [1, count, V]: the model's own lm_head, as HF's SLOT computes them
                TensorHost.CopyTo(logits, _allLogits.RowSpan(start, count));
            }
            // The last row on its own, as a plain prefill computes it, so the first token does not depend on whether the
            // request uses SLOT (a matrix product's rows differ from one-row products in the last bits).
            if (start + count == PromptIds.Length) _logits = LastLogits(h);
            owner.AfterPrefillChunk?.Invoke(start + count);
        }

        float[] LastLogits(Tensor h)
        {
            using var lastRow = h.narrow(0, h.shape[0] - 1, 1);
            using var last = lastRow.unsqueeze(0);
            using var row = owner.Model.Logits(last);
            return TensorHost.Floats(row);
        }

        protected override BackendSequence BuildSequence(double prefillMilliseconds)
        {
            var sequence = new Sequence(cache, PromptIds, _logits!, prefillMilliseconds, _hidden, _allLogits);
            _hidden = null; // the sequence owns them now
            _allLogits = null;
            return sequence;
        }

        protected override void Release(bool handedOver)
        {
            _hidden?.Dispose();
            _allLogits?.Dispose();
            if (!handedOver) cache.Dispose();
        }
    }
}
