namespace SlotSharp.Backends;

/// <summary>Settings of the llama.cpp backend.</summary>
public sealed record LlamaCppOptions
{
    /// <summary>KV cells shared by all live sequences (prompt and generated positions).</summary>
    public int ContextSize { get; init; } = 8192;
    /// <summary>Sequences that can be live at once (each is one llama.cpp sequence id).</summary>
    public int MaxSequences { get; init; } = 16;

    /// <summary>
    /// More llama.cpp sequence ids, kept for the engine's prefix cache: each cached prompt prefix holds one, and its cells
    /// count in <see cref="ContextSize"/> until it is evicted. 0 turns prefix caching off on this backend.
    /// </summary>
    public int CacheSequences { get; init; } = 16;
    /// <summary>llama.cpp threads (0 = all cores).</summary>
    public int Threads { get; init; }
    /// <summary>
    /// How llama.cpp's threads wait at the OpenMP barrier after each op (libgomp's OMP_WAIT_POLICY, read once per
    /// process when libgomp loads). Null: the user's OMP_WAIT_POLICY or GOMP_SPINCOUNT when set, else passive, whose
    /// speed held in every condition measured; <see cref="OpenMpWait.SpinThenSleep"/> decoded 1.9x faster on idle cores
    /// and collapsed beside busy ones (docs/backends.md). A value here wins over the environment. It cannot change a
    /// libgomp already loaded in the process (libtorch's, or llama.cpp's from an earlier load): the load then warns once
    /// and names the wait in force.
    /// </summary>
    public OpenMpWait? OpenMpWait { get; init; }
    /// <summary>
    /// A SLOT prefill keeps the prompt's per-position logits, which llama.cpp computes anyway when it returns H, up to
    /// this many bytes (T x V floats): the SLOT prompt stage starts from them (docs/backends.md). A longer prompt keeps
    /// none, and its stage recomputes them from H and W every step, in plain .NET: correct, and seconds per step for
    /// thousands of tokens. 0 = never keep them.
    /// </summary>
    public long PromptLogitsMaxBytes { get; init; } = 512L << 20;
}
