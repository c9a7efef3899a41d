using System.Runtime.InteropServices;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>
/// GGUF models on llama.cpp. H comes from llama.cpp's per-position embeddings (pooling off: the final normed hidden
/// states), W is read from the GGUF file and dequantized once, and every live sequence decodes in one llama.cpp batch.
/// </summary>
public sealed class LlamaCppBackend : IModelBackend, ITensorBackend
{
    readonly LlamaCppModel _model;
    readonly Tensor _lmHead;
    TensorSlotMath? _slot;
    readonly Stack<int> _freeSequenceIds;

    public string Name => "llamacpp";
    public string Path { get; }
    public int VocabSize => _model.VocabSize;
    public int HiddenSize => _model.HiddenSize;
    public int MaxPositions => _model.TrainedContext;
    public Tensor LmHeadWeight => _lmHead;
    public ISlotMath SlotMath => _slot ??= new TensorSlotMath(_lmHead);
    /// <summary>KV cells shared by all sequences.</summary>
    public int ContextSize => _model.ContextSize;
    /// <summary>Sequences that can be live at once.</summary>
    public int MaxSequences { get; }
    /// <summary>One pool of context cells shared by all sequences, allocated at load.</summary>
    public KvGeometry Kv => new(KvUnit.Cells, 1, ContextSize);
    /// <summary>Time spent inside llama_decode by decode steps since load; the rest of a step is host work.</summary>
    internal TimeSpan StepDecodeTime => _model.StepDecodeTime;

    readonly long _promptLogitsMaxBytes;

    LlamaCppBackend(string path, LlamaCppModel model, Tensor lmHead, int maxSequences, long promptLogitsMaxBytes)
    {
        Path = path; _model = model; _lmHead = lmHead; MaxSequences = maxSequences; _promptLogitsMaxBytes = promptLogitsMaxBytes;
        _freeSequenceIds = new Stack<int>(Enumerable.Range(0, maxSequences).Reverse());
    }

    public static LlamaCppBackend Load(string ggufPath, LlamaCppOptions? options = null) => Load(ggufPath, options, null);

    /// <param name="warn">Where a warning goes (an OpenMP wait that cannot take effect); null writes it to stderr.</param>
    internal static LlamaCppBackend Load(string ggufPath, LlamaCppOptions? options, Action<string>? warn)
    {
        options ??= new LlamaCppOptions();
        // Before the first tensor: libtorch's libgomp, once loaded, would be the one llama.cpp's threads share.
        LlamaCppRuntime.EnsureLoaded(options.OpenMpWait, warn);
        Tensor lmHead;
        using (var file = GgufFile.Open(ggufPath))
        {
            var (w, vocab, hidden) = GgufLmHead.Read(file);
            lmHead = tensor(w, [vocab, hidden]);
        }
        try
        {
            var model = LlamaCppModel.Load(ggufPath, options.ContextSize, options.Threads, options.MaxSequences);
            if (model.VocabSize != lmHead.shape[0] || model.HiddenSize != lmHead.shape[1])
            {
                model.Dispose();
                throw new SlotSharpException($"{ggufPath}: the output weight is [{lmHead.shape[0]}, {lmHead.shape[1]}] but llama.cpp reports vocabulary {model.VocabSize} and width {model.HiddenSize}");
            }
            return new LlamaCppBackend(ggufPath, model, lmHead, options.MaxSequences, options.PromptLogitsMaxBytes);
        }
        catch { lmHead.Dispose(); throw; }
    }

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default) =>
        PrefillRun.RunToEnd(StartPrefill(promptIds, keepHidden, expectedLength), cancel);

    public PrefillRun StartPrefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength)
    {
        if (expectedLength > ContextSize)
            throw new SlotSharpException($"the prompt and its new tokens need {expectedLength} positions but the llama.cpp context holds {ContextSize}");
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        if (_freeSequenceIds.Count == 0) throw new SlotSharpException($"all {MaxSequences} llama.cpp sequences are in use");
        return new Prefilling(this, _freeSequenceIds.Pop(), promptIds.ToArray(), keepHidden);
    }

    public void Rewind(BackendSequence sequence, int length)
    {
        var s = Own(sequence);
        _model.Release(s.Id, from: length);
        s.Length = length;
    }

    public void Step(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        var rows = new (int, int, int)[sequences.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var s = Own(sequences[i]);
            if (s.Length + 1 > ContextSize) throw new SlotSharpException($"generation reached the llama.cpp context size ({ContextSize} positions)");
            rows[i] = (tokens[i], s.Length, s.Id);
        }
        _model.Step(rows, (i, logits) => logits.CopyTo(sequences[i].Logits));
        foreach (var s in sequences) s.Length++;
    }

    Sequence Own(BackendSequence s) => s is Sequence mine && mine.Owner == this
        ? mine : throw new ArgumentException("the sequence belongs to another backend");

    void Release(int id)
    {
        _model.Release(id);
        _freeSequenceIds.Push(id);
    }

    public void Dispose()
    {
        _slot?.Dispose();
        _model.Dispose();
        _lmHead.Dispose();
    }

    sealed class Sequence(LlamaCppBackend owner, int id, int[] promptIds, Tensor? hidden, Tensor? promptLogits, float[] logits, double ms)
        : TensorSequence(promptIds, hidden, logits, ms, promptLogits)
    {
        public LlamaCppBackend Owner { get; } = owner;
        public int Id { get; } = id;
        protected override void ReleaseCache() => Owner.Release(Id);
    }

    /// <summary>
    /// The sequence id is taken for the whole run; H (and, within the budget, every position's logits) is gathered
    /// into one [T, d] ([T, V]) buffer chunk by chunk.
    /// </summary>
    sealed class Prefilling(LlamaCppBackend owner, int id, int[] promptIds, bool keepHidden) : PrefillRun(promptIds, keepHidden)
    {
        readonly float[]? _hidden = keepHidden ? new float[(long)promptIds.Length * owner.HiddenSize] : null;
        // Written chunk by chunk straight into the tensor's memory: a managed [T, V] copy first would double the peak
        // (up to PromptLogitsMaxBytes) and churn the large-object heap with every SLOT request. Owned by the run until
        // the sequence takes it.
        readonly Tensor? _allLogits = keepHidden && (long)promptIds.Length * owner.VocabSize * sizeof(float) <= owner._promptLogitsMaxBytes
            ? empty([promptIds.Length, owner.VocabSize], ScalarType.Float32).DetachFromDisposeScope() : null;
        readonly float[] _logits = new float[owner.VocabSize];

        public override int MaxChunk => owner._model.PrefillBatchSize;

        protected override void RunChunk(int start, int count)
        {
            int d = owner.HiddenSize;
            int v = owner.VocabSize;
            var hidden = _hidden == null ? Span<float>.Empty : _hidden.AsSpan(start * d, count * d);
            var allLogits = _allLogits is null ? Span<float>.Empty : MemoryMarshal.Cast<byte, float>(_allLogits.bytes).Slice(start * v, count * v);
            owner._model.PrefillChunk(PromptIds, start, count, id, hidden, start + count == PromptIds.Length ? _logits : null, allLogits);
        }

        protected override BackendSequence BuildSequence(double prefillMilliseconds)
        {
            var h = _hidden == null ? null : tensor(_hidden, [PromptIds.Length, owner.HiddenSize]);
            return new Sequence(owner, id, PromptIds, h, _allLogits, _logits, prefillMilliseconds);
        }

        /// <summary>A handed-over sequence frees its id and the prompt logits itself when disposed.</summary>
        protected override void Release(bool handedOver)
        {
            if (handedOver) return;
            _allLogits?.Dispose();
            owner.Release(id);
        }
    }
}
