using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;

namespace SlotSharp.LlamaCpp;

/// <summary>
/// A GGUF model on llama.cpp with one context that returns, per position, the final hidden state (after the last
/// RMSNorm: llama.cpp's per-token "embeddings" with pooling off) and the logits. That is all SLOT needs from an
/// engine besides the output weight, which is read from the GGUF file itself.
/// </summary>
internal sealed class LlamaCppModel : IDisposable
{
    readonly LLamaWeights _weights;
    readonly LLamaContext _context;
    readonly LLamaBatch _batch = new();

    public int VocabSize { get; }
    public int HiddenSize { get; }
    public int ContextSize { get; }

    long _stepDecodeTicks;

    /// <summary>
    /// Time spent inside llama_decode by <see cref="Step"/> since load (Stopwatch ticks, read on any thread): the rest of
    /// a decode step's wall time is host work (copying logits, bias, sampling), which is how the benchmark splits it.
    /// </summary>
    public TimeSpan StepDecodeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _stepDecodeTicks));

    LlamaCppModel(LLamaWeights weights, LLamaContext context)
    {
        _weights = weights; _context = context;
        VocabSize = weights.Vocab.Count;
        HiddenSize = weights.EmbeddingSize;
        ContextSize = (int)context.NativeHandle.ContextSize;
    }

    /// <summary>
    /// Bytes of llama.cpp's per-batch output buffer (batch x (V + d) floats when every position returns its hidden state
    /// and logits): the batch size is chosen to fit, so a long prompt with a 150k vocabulary stays bounded.
    /// </summary>
    public const long DefaultOutputBudgetBytes = 256L << 20;

    /// <param name="contextSize">KV cells shared by all sequences (llama.cpp's unified cache).</param>
    /// <param name="maxSequences">Sequences that can be live at once (llama.cpp sequence ids 0..maxSequences-1).</param>
    public static LlamaCppModel Load(string ggufPath, int contextSize, int threads, int maxSequences = 1,
        long outputBudgetBytes = DefaultOutputBudgetBytes)
    {
        LlamaCppRuntime.EnsureLoaded();
        var p = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            SeqMax = (uint)maxSequences,
            KVUnified = true,
            Embeddings = true,
            PoolingType = LLamaPoolingType.None,
            GpuLayerCount = 0,
            // F32 keys and values: the cache rounds nothing, so an F32 GGUF computes what the float32 reference does.
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            // llama.cpp's CPU flash attention rounds queries to F16; the plain path keeps attention in F32.
            FlashAttention = false,
        };
        if (threads > 0) { p.Threads = threads; p.BatchThreads = threads; }
        LLamaWeights? weights = null;
        try
        {
            weights = LLamaWeights.LoadFromFile(p);
            long perPosition = 4L * (weights.Vocab.Count + weights.EmbeddingSize);
            uint batch = (uint)Math.Clamp(outputBudgetBytes / perPosition, 8, 512);
            p.BatchSize = batch;
            p.UBatchSize = batch;
            return new LlamaCppModel(weights, weights.CreateContext(p));
        }
        catch (Exception e) when (e is LoadWeightsFailedException or RuntimeError)
        {
            weights?.Dispose();
            throw new SlotSharpException($"{ggufPath}: llama.cpp could not load the model ({e.Message})", e);
        }
    }

    /// <summary>Prompt positions one <see cref="PrefillChunk"/> takes at most (the batch size the output budget allows).</summary>
    public int PrefillBatchSize => (int)_context.NativeHandle.BatchSize;

    /// <summary>
    /// Runs <paramref name="ids"/>[<paramref name="from"/>, +<paramref name="count"/>) at the same positions of sequence
    /// <paramref name="seq"/> in one batch (count at most <see cref="PrefillBatchSize"/>). With <paramref name="hidden"/>
    /// (count x d floats) it receives each position's final hidden state (llama.cpp then computes every position's
    /// logits too, which the batch size bounds); with <paramref name="lastLogits"/>, the chunk's last position's logits;
    /// with <paramref name="allLogits"/> (count x V floats), every position's.
    /// </summary>
    /// <remarks>
    /// With <paramref name="riders"/>, other sequences' decode rows go into the same batch before the chunk (one
    /// llama_decode for the engine step, as llama.cpp's server batches) and <paramref name="riderOutput"/> receives row
    /// i's logits; count plus the riders is at most <see cref="PrefillBatchSize"/>.
    /// </remarks>
    public void PrefillChunk(IReadOnlyList<int> ids, int from, int count, int seq, Span<float> hidden, float[]? lastLogits,
        Span<float> allLogits = default, IReadOnlyList<(int Token, int Position, int Seq)>? riders = null,
        Action<int, ReadOnlySpan<float>>? riderOutput = null)
    {
        int r = riders?.Count ?? 0;
        if (count < 1 || count + r > PrefillBatchSize) throw new ArgumentOutOfRangeException(nameof(count), count, $"a prefill chunk takes 1 to {PrefillBatchSize - r} positions beside {r} decode rows");
        bool allHidden = !hidden.IsEmpty, everyOutput = allHidden || !allLogits.IsEmpty;
        var handle = _context.NativeHandle;
        // With embeddings on, llama.cpp makes every position an output (hidden state and logits); only a SLOT prefill
        // needs that, so plain prefills and decode steps switch it off and compute the last logits alone. The flag is
        // the context's, and decode steps of other sequences may run between chunks, so every chunk sets it.
        handle.SetEmbeddings(allHidden);
        _batch.Clear();
        for (int i = 0; i < r; i++) _batch.Add(riders![i].Token, riders[i].Position, (LLamaSeqId)riders[i].Seq, true);
        for (int i = 0; i < count; i++) _batch.Add(ids[from + i], from + i, (LLamaSeqId)seq, everyOutput || (lastLogits != null && i == count - 1));
        long start = Stopwatch.GetTimestamp();
        var result = handle.Decode(_batch);
        if (r > 0) Interlocked.Add(ref _stepDecodeTicks, Stopwatch.GetTimestamp() - start); // a decode step's call, the chunk included
        Check(result);
        for (int i = 0; i < r; i++) riderOutput!(i, handle.GetLogitsIth(i));
        int d = HiddenSize;
        if (allHidden)
            for (int i = 0; i < count; i++) handle.GetEmbeddingsIth(r + i).CopyTo(hidden.Slice(i * d, d));
        for (int i = 0; i < count && !allLogits.IsEmpty; i++) handle.GetLogitsIth(r + i).CopyTo(allLogits.Slice(i * VocabSize, VocabSize));
        if (lastLogits != null) handle.GetLogitsIth(r + count - 1).CopyTo(lastLogits); // indices are batch positions
    }

    /// <summary>
    /// Decodes one token for each of several sequences in one batch; <paramref name="output"/> receives row i's
    /// logits (each sequence attends only to its own cache entries).
    /// </summary>
    public void Step(IReadOnlyList<(int Token, int Position, int Seq)> rows, Action<int, ReadOnlySpan<float>> output)
    {
        _batch.Clear();
        foreach (var (token, position, seq) in rows) _batch.Add(token, position, (LLamaSeqId)seq, true);
        _context.NativeHandle.SetEmbeddings(false);
        long start = Stopwatch.GetTimestamp();
        var result = _context.NativeHandle.Decode(_batch);
        Interlocked.Add(ref _stepDecodeTicks, Stopwatch.GetTimestamp() - start);
        Check(result);
        for (int i = 0; i < rows.Count; i++) output(i, _context.NativeHandle.GetLogitsIth(i));
    }

    /// <summary>Positions the model was trained for (GGUF context_length).</summary>
    public int TrainedContext => _weights.ContextSize;

    /// <summary>Gives sequence <paramref name="to"/> every cell of sequence <paramref name="from"/> (shared, not duplicated).</summary>
    public void CopySequence(int from, int to) => _context.NativeHandle.MemorySequenceCopy((LLamaSeqId)from, (LLamaSeqId)to, 0, -1);

    /// <summary>Forgets the positions from <paramref name="from"/> on (all by default) of sequence <paramref name="seq"/>.</summary>
    public void Release(int seq = 0, int from = 0) => _context.NativeHandle.MemorySequenceRemove((LLamaSeqId)seq, from, -1);

    static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new SlotSharpException($"llama.cpp decode failed: {r}");
    }

    public void Dispose()
    {
        _batch.Clear();
        _context.Dispose();
        _weights.Dispose();
    }
}
