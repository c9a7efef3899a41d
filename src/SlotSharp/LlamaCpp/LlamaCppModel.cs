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
public sealed class LlamaCppModel : IDisposable
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

    /// <summary>
    /// Runs <paramref name="ids"/> at positions <paramref name="start"/>.. of sequence <paramref name="seq"/> in chunks
    /// of the batch size. Returns the last position's logits and, when <paramref name="allHidden"/>, the final hidden
    /// states of every position [T, d] (llama.cpp then computes every position's logits too, which the chunking bounds).
    /// </summary>
    public (float[]? Hidden, float[] LastLogits) Prefill(IReadOnlyList<int> ids, bool allHidden, int start = 0, int seq = 0,
        CancellationToken cancel = default)
    {
        int t = ids.Count, d = HiddenSize;
        var hidden = allHidden ? new float[(long)t * d] : null;
        var last = new float[VocabSize];
        var handle = _context.NativeHandle;
        // With embeddings on, llama.cpp makes every position an output (hidden state and logits); only a SLOT prefill
        // needs that, so plain prefills and decode steps switch it off and compute the last logits alone.
        handle.SetEmbeddings(allHidden);
        int chunk = (int)handle.BatchSize;
        for (int c = 0; c < t; c += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, t - c);
            _batch.Clear();
            for (int i = 0; i < n; i++) _batch.Add(ids[c + i], start + c + i, (LLamaSeqId)seq, allHidden || c + i == t - 1);
            Check(handle.Decode(_batch));
            if (hidden != null)
                for (int i = 0; i < n; i++) handle.GetEmbeddingsIth(i).CopyTo(hidden.AsSpan((c + i) * d, d));
            if (c + n == t) handle.GetLogitsIth(n - 1).CopyTo(last); // indices are batch positions
        }
        return (hidden, last);
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
