using System.Diagnostics;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>
/// Hugging Face checkpoints on TorchSharp: the exact float32 reference. Each sequence has its own KV cache, which
/// grows with the tokens actually generated; a step runs the sequences one after another (a batched product's rows
/// differ from one-row products in the last bits, and this backend's job is to be the reference).
/// </summary>
public sealed class TorchBackend(CausalLM model) : IModelBackend
{
    /// <summary>
    /// Prompt positions per forward pass. Attention scores take heads x chunk x positions floats, so a 32k-token
    /// prompt in one pass would need tens of GB; chunks through the KV cache keep it bounded (same semantics).
    /// </summary>
    public int PrefillChunk { get; init; } = 512;

    /// <summary>Positions a new cache reserves beyond the prompt before it first has to grow (then it doubles).</summary>
    public const int CacheGrowthChunk = 256;

    /// <summary>Test seam: sees the positions prefilled so far after each chunk.</summary>
    internal Action<int>? AfterPrefillChunk { get; init; }

    public CausalLM Model { get; } = model;
    public string Name => "torch";
    public int VocabSize => Model.Config.VocabSize;
    public int HiddenSize => Model.Config.HiddenSize;
    public int MaxPositions => Model.Config.MaxPositionEmbeddings;
    public Tensor LmHeadWeight => Model.LmHeadWeight;

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default)
    {
        if (PrefillChunk < 1) throw new SlotSharpException($"prefill chunk must be >= 1, got {PrefillChunk}");
        var clock = Stopwatch.StartNew();
        var cache = Model.NewCache(promptIds.Count + CacheGrowthChunk, expectedLength);
        var parts = new List<Tensor>();
        try
        {
            using var ids = tensor(promptIds.Select(i => (long)i).ToArray(), [1L, promptIds.Count]);
            for (int start = 0; start < promptIds.Count; start += PrefillChunk)
            {
                cancel.ThrowIfCancellationRequested();
                int length = Math.Min(PrefillChunk, promptIds.Count - start);
                using var chunk = ids.narrow(1, start, length);
                using var output = Model.Forward(chunk, cache, LogitsMode.None);
                var h = output.Hidden[0];
                if (!keepHidden && parts.Count > 0) { parts[0].Dispose(); parts.Clear(); } // only the last row is needed
                parts.Add(h);
                AfterPrefillChunk?.Invoke(start + length);
            }
            float[] logits;
            var lastPart = parts[^1];
            using (var lastRow = lastPart.narrow(0, lastPart.shape[0] - 1, 1))
            using (var last = lastRow.unsqueeze(0))
            using (var row = Model.Logits(last))
                logits = TensorHost.Floats(row);
            Tensor? hidden = null;
            if (keepHidden) hidden = parts.Count == 1 ? parts[0].alias() : cat(parts, 0);
            foreach (var p in parts) p.Dispose();
            parts.Clear();
            return new Sequence(cache, promptIds.ToArray(), hidden, logits, clock.Elapsed.TotalMilliseconds);
        }
        catch
        {
            foreach (var p in parts) p.Dispose();
            cache.Dispose();
            throw;
        }
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

    /// <summary>The backend owns the model; sequences own their caches.</summary>
    public void Dispose() => Model.Dispose();

    sealed class Sequence(KvCache cache, int[] promptIds, Tensor? hidden, float[] logits, double ms)
        : BackendSequence(promptIds, hidden, logits, ms)
    {
        public KvCache Cache { get; } = cache;
        protected override void ReleaseEngineState() => Cache.Dispose();
    }
}
