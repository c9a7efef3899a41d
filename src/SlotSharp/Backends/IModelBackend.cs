using SlotSharp.Slot;

namespace SlotSharp.Backends;

/// <summary>
/// The seam between SlotSharp and an inference engine. SLOT asks little of an engine: the prompt's final hidden
/// states H, the output weight W, and a place to add a per-sequence logit bias; sampling, stopping and the bias itself
/// live above the seam (<see cref="Engine.SlotEngine"/>), so every backend decodes with the same semantics.
/// Implementations: TorchBackend (package SlotSharp.TorchSharp: Hugging Face safetensors, the float32 reference) and
/// LlamaCppBackend (package SlotSharp.LlamaCpp: GGUF files on llama.cpp). Not thread-safe: one caller drives a
/// backend at a time, in practice its model's <see cref="Engine.SlotEngine"/>.
/// </summary>
public interface IModelBackend : IDisposable
{
    /// <summary>"torch" or "llamacpp".</summary>
    string Name { get; }

    int VocabSize { get; }

    int HiddenSize { get; }

    /// <summary>Positions the model was trained for (max_position_embeddings; a GGUF's context_length).</summary>
    int MaxPositions { get; }

    /// <summary>How the KV cache is counted and bounded (the engine's admission budget).</summary>
    KvGeometry Kv { get; }

    /// <summary>Sequences that may be live at once (prefills included); the engine admits no more.</summary>
    int MaxSequences { get; }

    /// <summary>
    /// Sequences the engine's prefix cache may hold beyond <see cref="MaxSequences"/> (each cached prompt prefix is one
    /// idle sequence); 0 leaves the cache off on this backend.
    /// </summary>
    int CacheSequences { get; }

    /// <summary>SLOT's prompt-stage math over this backend's own W (V x d): the stage and b = W delta.</summary>
    ISlotMath SlotMath { get; }

    /// <summary>
    /// Runs a prompt through the model into a new sequence whose <see cref="BackendSequence.Logits"/> hold the last
    /// position's logits. With <paramref name="keepHidden"/>, the sequence keeps H ([T, d]) for
    /// <see cref="SlotMath"/>. <paramref name="expectedLength"/> (prompt + new tokens) sizes the cache where the backend
    /// reserves one. It is <see cref="StartPrefill"/> run to the end in the backend's largest chunks
    /// (<see cref="PrefillRun.RunToEnd"/>); <paramref name="cancel"/> is checked between them.
    /// </summary>
    BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default);

    /// <summary>
    /// The same prefill, run by the caller one chunk at a time (<see cref="PrefillRun.Advance"/>), so other sequences
    /// can step between chunks. The run takes the sequence's place (a llama.cpp sequence id) until it is disposed or
    /// its sequence is handed over; chunks of the same sizes give bit-identical results to <see cref="Prefill"/>.
    /// With <paramref name="keepLogits"/> the sequence keeps every position's logits
    /// (<see cref="BackendSequence.PromptLogits"/>, [T, V]) whatever the backend's budget for them (prompt
    /// log-probabilities need them all; the caller bounds T).
    /// </summary>
    PrefillRun StartPrefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false);

    /// <summary>
    /// The same prefill, except that positions [0, <paramref name="reuse"/>) come from <paramref name="prefix"/>'s cache
    /// (a live sequence whose first <paramref name="reuse"/> tokens are <paramref name="promptIds"/>' first ones: the
    /// caller checks) and only the rest runs: the engine's prefix cache. <paramref name="reuse"/> is 1 to T - 1, so the
    /// last position always runs for its logits. With <paramref name="keepHidden"/> or <paramref name="keepLogits"/>
    /// the sequence's rows before <paramref name="reuse"/> are left zero for the caller to fill from what it kept.
    /// <paramref name="prefix"/> goes on unchanged.
    /// </summary>
    PrefillRun StartPrefillAfter(BackendSequence prefix, int reuse, IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false);

    /// <summary>
    /// A new sequence holding the same positions as <paramref name="source"/> (its KV entries, and a copy of its last
    /// logits; not its H or prompt logits), which then goes on independently: n choices of one prompt share one
    /// prefill. llama.cpp shares the cells (a sequence copy in its unified cache); TorchSharp copies the cache.
    /// Throws <see cref="SlotSharpException"/> when no sequence place is free.
    /// </summary>
    BackendSequence Fork(BackendSequence source);

    /// <summary>Forgets positions from <paramref name="length"/> on, so one prefill can serve several continuations.</summary>
    void Rewind(BackendSequence sequence, int length);

    /// <summary>Appends one token to each sequence (one batched step where the engine can) and refreshes their logits.</summary>
    void Step(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens);

    /// <summary>
    /// One engine step's model work: the next chunk of <paramref name="prefill"/> (at most
    /// <paramref name="prefillPositions"/> positions; none when null) and one token for each of
    /// <paramref name="sequences"/>, in one call where the backend can (llama.cpp: one llama_batch, as its server
    /// builds one). Returns the positions the prefill ran, which may be fewer than asked when the decode rows take part
    /// of the backend's batch. By default: the chunk, then <see cref="Step"/>.
    /// </summary>
    int StepWith(PrefillRun? prefill, int prefillPositions, IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        int ran = prefill != null ? prefill.Advance(prefillPositions) : 0;
        if (sequences.Count > 0) Step(sequences, tokens);
        return ran;
    }
}
