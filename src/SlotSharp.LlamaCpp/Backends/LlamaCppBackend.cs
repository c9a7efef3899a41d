using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Slot;

namespace SlotSharp.Backends;

/// <summary>
/// GGUF models on llama.cpp. H comes from llama.cpp's per-position embeddings (pooling off: the final normed hidden
/// states) and every prompt position's logits with them; SLOT's math is the core's <see cref="HostSlotMath"/> over W
/// read in place from the memory-mapped file in its stored format, opened on the first SLOT request (a request
/// without SLOT never touches W). Every live sequence decodes in one llama.cpp batch. No TorchSharp: a GGUF user pays
/// for llama.cpp only.
/// </summary>
public sealed class LlamaCppBackend : IModelBackend
{
    readonly LlamaCppModel _model;
    readonly int _threads;
    OutputWeight? _weight;
    HostSlotMath? _slot;
    readonly Stack<int> _freeSequenceIds;

    public string Name => "llamacpp";
    public string Path { get; }
    public int VocabSize => _model.VocabSize;
    public int HiddenSize => _model.HiddenSize;
    public int MaxPositions => _model.TrainedContext;
    public ISlotMath SlotMath => _slot ??= new HostSlotMath(_weight = GgufOutputWeight.Open(Path), _threads);
    /// <summary>KV cells shared by all sequences.</summary>
    public int ContextSize => _model.ContextSize;
    /// <summary>Sequences that can be live at once.</summary>
    public int MaxSequences { get; }
    /// <summary>Sequence ids beyond <see cref="MaxSequences"/> for the engine's prefix cache.</summary>
    public int CacheSequences { get; }
    /// <summary>One pool of context cells shared by all sequences, allocated at load.</summary>
    public KvGeometry Kv => new(KvUnit.Cells, 1, ContextSize);
    /// <summary>Time spent inside llama_decode by decode steps since load; the rest of a step is host work.</summary>
    internal TimeSpan StepDecodeTime => _model.StepDecodeTime;

    readonly long _promptLogitsMaxBytes;

    LlamaCppBackend(string path, LlamaCppModel model, int maxSequences, int cacheSequences, long promptLogitsMaxBytes, int threads)
    {
        Path = path; _model = model; MaxSequences = maxSequences; CacheSequences = cacheSequences; _promptLogitsMaxBytes = promptLogitsMaxBytes; _threads = threads;
        _freeSequenceIds = new Stack<int>(Enumerable.Range(0, maxSequences + cacheSequences).Reverse());
    }

    public static LlamaCppBackend Load(string ggufPath, LlamaCppOptions? options = null) => Load(ggufPath, options, null);

    /// <param name="warn">Where a warning goes (an OpenMP wait that cannot take effect); null writes it to stderr.</param>
    internal static LlamaCppBackend Load(string ggufPath, LlamaCppOptions? options, Action<string>? warn)
    {
        options ??= new LlamaCppOptions();
        // Before the first tensor: libtorch's libgomp, once loaded, would be the one llama.cpp's threads share.
        LlamaCppRuntime.EnsureLoaded(options.OpenMpWait, warn);
        int vocab, hidden;
        using (var file = GgufFile.Open(ggufPath))
        {
            GgufModelChecks.Check(file); // values llama.cpp would abort on, refused before native code sees them
            (vocab, hidden) = GgufLmHead.Shape(file); // W itself is read on first use
        }
        if (options.CacheSequences < 0) throw new SlotSharpException($"llama.cpp CacheSequences must be >= 0, got {options.CacheSequences}");
        var model = LlamaCppModel.Load(ggufPath, options.ContextSize, options.Threads, options.MaxSequences + options.CacheSequences);
        if (model.VocabSize != vocab || model.HiddenSize != hidden)
        {
            model.Dispose();
            throw new SlotSharpException($"{ggufPath}: the output weight is [{vocab}, {hidden}] but llama.cpp reports vocabulary {model.VocabSize} and width {model.HiddenSize}");
        }
        return new LlamaCppBackend(ggufPath, model, options.MaxSequences, options.CacheSequences, options.PromptLogitsMaxBytes,
            options.Threads > 0 ? options.Threads : Environment.ProcessorCount);
    }

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default) =>
        PrefillRun.RunToEnd(StartPrefill(promptIds, keepHidden, expectedLength), cancel);

    public PrefillRun StartPrefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false)
    {
        CheckPrefill(promptIds, expectedLength);
        return new Prefilling(this, _freeSequenceIds.Pop(), promptIds.ToArray(), keepHidden, keepLogits, 0);
    }

    /// <summary>A new sequence id given the prefix's first cells (shared, not copied); only the rest of the prompt runs.</summary>
    public PrefillRun StartPrefillAfter(BackendSequence prefix, int reuse, IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false)
    {
        var source = Own(prefix);
        if (reuse < 1 || reuse >= promptIds.Count || reuse > source.Length)
            throw new ArgumentOutOfRangeException(nameof(reuse), reuse, $"a reused prefix is 1 to {Math.Min(promptIds.Count - 1, source.Length)} positions here");
        CheckPrefill(promptIds, expectedLength);
        int id = _freeSequenceIds.Pop();
        _model.CopySequence(source.Id, id);
        _model.Release(id, from: reuse);
        return new Prefilling(this, id, promptIds.ToArray(), keepHidden, keepLogits, reuse);
    }

    void CheckPrefill(IReadOnlyList<int> promptIds, long expectedLength)
    {
        if (expectedLength > ContextSize)
            throw new SlotSharpException($"the prompt and its new tokens need {expectedLength} positions but the llama.cpp context holds {ContextSize}");
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        if (_freeSequenceIds.Count == 0) throw new SlotSharpException($"all {MaxSequences + CacheSequences} llama.cpp sequences are in use");
    }

    /// <summary>A new sequence id whose cells are the source's (llama.cpp's sequence copy: shared cells, no new ones).</summary>
    public BackendSequence Fork(BackendSequence source)
    {
        var s = Own(source);
        if (_freeSequenceIds.Count == 0) throw new SlotSharpException($"all {MaxSequences + CacheSequences} llama.cpp sequences are in use");
        int id = _freeSequenceIds.Pop();
        _model.CopySequence(s.Id, id);
        return new Sequence(this, id, s.PromptIds, (float[])s.Logits.Clone(), 0, null, null) { Length = s.Length };
    }

    public void Rewind(BackendSequence sequence, int length)
    {
        var s = Own(sequence);
        _model.Release(s.Id, from: length);
        s.Length = length;
    }

    public void Step(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        _model.Step(Rows(sequences, tokens), (i, logits) => logits.CopyTo(sequences[i].Logits));
        foreach (var s in sequences) s.Length++;
    }

    /// <summary>
    /// The decode rows ride in the prefill chunk's batch, so the step is one llama_decode (llama.cpp's server does
    /// the same); the chunk gives up as many positions as there are rows, keeping the batch within its output budget.
    /// </summary>
    public int StepWith(PrefillRun? prefill, int prefillPositions, IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        int room = _model.PrefillBatchSize - sequences.Count;
        if (prefill is not Prefilling run || run.Owner != this || sequences.Count == 0 || room < 1)
        {
            // Nothing to merge: the chunk and the step as two calls, as the seam's default does.
            int alone = prefill != null ? prefill.Advance(prefillPositions) : 0;
            if (sequences.Count > 0) Step(sequences, tokens);
            return alone;
        }
        run.Riders = (Rows(sequences, tokens), (i, logits) => logits.CopyTo(sequences[i].Logits));
        int ran;
        try { ran = run.Advance(Math.Min(prefillPositions, room)); }
        finally { run.Riders = null; }
        foreach (var s in sequences) s.Length++;
        return ran;
    }

    (int Token, int Position, int Seq)[] Rows(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        var rows = new (int, int, int)[sequences.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var s = Own(sequences[i]);
            if (s.Length + 1 > ContextSize) throw new SlotSharpException($"generation reached the llama.cpp context size ({ContextSize} positions)");
            rows[i] = (tokens[i], s.Length, s.Id);
        }
        return rows;
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
        _weight?.Dispose();
        _model.Dispose();
    }

    sealed class Sequence(LlamaCppBackend owner, int id, int[] promptIds, float[] logits, double ms, HostMatrix? hidden, HostMatrix? promptLogits)
        : BackendSequence(promptIds, logits, ms, hidden, promptLogits)
    {
        public LlamaCppBackend Owner { get; } = owner;
        public int Id { get; } = id;
        protected override void ReleaseEngineState() => Owner.Release(Id);
    }

    /// <summary>
    /// The sequence id is taken for the whole run; H (and, within the budget or with keepLogits, every position's logits) is written
    /// chunk by chunk straight into native [T, d] ([T, V]) matrices, which the sequence then owns.
    /// </summary>
    sealed class Prefilling(LlamaCppBackend owner, int id, int[] promptIds, bool keepHidden, bool keepLogits, int start)
        : PrefillRun(promptIds, keepHidden, start)
    {
        HostMatrix? _hidden = keepHidden ? new HostMatrix(promptIds.Length, owner.HiddenSize) : null;
        HostMatrix? _allLogits = keepLogits || keepHidden && (long)promptIds.Length * owner.VocabSize * sizeof(float) <= owner._promptLogitsMaxBytes
            ? new HostMatrix(promptIds.Length, owner.VocabSize) : null;
        readonly float[] _logits = new float[owner.VocabSize];

        public override int MaxChunk => owner._model.PrefillBatchSize;

        public LlamaCppBackend Owner => owner;

        /// <summary>Other sequences' decode rows for the next chunk's batch (<see cref="StepWith"/>), and where their logits go.</summary>
        public ((int Token, int Position, int Seq)[] Rows, Action<int, ReadOnlySpan<float>> Output)? Riders { get; set; }

        protected override void RunChunk(int start, int count)
        {
            var hidden = _hidden is null ? Span<float>.Empty : _hidden.RowSpan(start, count);
            var allLogits = _allLogits is null ? Span<float>.Empty : _allLogits.RowSpan(start, count);
            owner._model.PrefillChunk(PromptIds, start, count, id, hidden, start + count == PromptIds.Length ? _logits : null, allLogits,
                Riders?.Rows, Riders?.Output);
        }

        protected override BackendSequence BuildSequence(double prefillMilliseconds)
        {
            var sequence = new Sequence(owner, id, PromptIds, _logits, prefillMilliseconds, _hidden, _allLogits);
            _hidden = null; // the sequence owns them now
            _allLogits = null;
            return sequence;
        }

        /// <summary>A handed-over sequence frees its id and matrices itself when disposed.</summary>
        protected override void Release(bool handedOver)
        {
            if (handedOver) return;
            _hidden?.Dispose();
            _allLogits?.Dispose();
            owner.Release(id);
        }
    }
}
