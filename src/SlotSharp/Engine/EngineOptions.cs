namespace SlotSharp.Engine;

/// <summary>Limits of a <see cref="SlotEngine"/> (docs/engine.md).</summary>
public sealed record EngineOptions
{
    /// <summary>Requests decoding together at most (llama.cpp also caps this at its MaxSequences).</summary>
    public int MaxRunning { get; init; } = 16;

    /// <summary>
    /// Requests waiting for a place at most, beyond those the free places take; Submit throws
    /// <see cref="EngineOverloadedException"/> beyond it (0: requests run while places are free, none waits).
    /// </summary>
    public int MaxQueued { get; init; } = 1024;

    /// <summary>
    /// KV cache bytes all admitted requests may reserve on the TorchSharp backend, each reserving its worst case
    /// (prompt + max_new_tokens positions). On llama.cpp the budget is the context's cells instead, which
    /// LlamaCppOptions.ContextSize allocates up front.
    /// </summary>
    public long KvBudgetBytes { get; init; } = 2L << 30;

    /// <summary>
    /// Prompt positions an admitted request prefills per engine step; the running requests decode one token between
    /// two chunks, so this bounds how long a long prompt stalls them (docs/engine.md). The backend's own per-pass limit
    /// (TorchBackend.PrefillChunk, the llama.cpp batch size) caps it further.
    /// </summary>
    public int PrefillChunkTokens { get; init; } = DefaultPrefillChunkTokens;

    public const int DefaultPrefillChunkTokens = 256;

    /// <summary>
    /// Largest T x V float32 block of prompt logits a request asking for prompt log-probabilities may keep (from its
    /// prefill until they are read; through its SLOT stage when it has one). Submit refuses a longer prompt.
    /// </summary>
    public long PromptLogprobsMaxBytes { get; init; } = 2L << 30;

    /// <summary>
    /// Keep prompt prefixes after their prefill and reuse them for later requests that start with the same tokens
    /// (docs/engine.md): a shared system prompt or few-shot preamble, a chat's earlier turns. SLOT requests reuse a
    /// prefix with its hidden states and logits rows, so their prompt stage is what a fresh prefill gives; a reused
    /// prefix runs its last chunk from another boundary, so logits may differ from a fresh prefill's in the last bits.
    /// </summary>
    public bool PrefixCache { get; init; } = true;

    /// <summary>Cached prefixes at most (each one backend sequence; llama.cpp also caps them at its CacheSequences).</summary>
    public int PrefixCacheEntries { get; init; } = 16;

    /// <summary>
    /// Host memory the cached prefixes' hidden states and logits rows may take (a SLOT prompt's rows are T x (d + V)
    /// floats); an entry whose rows do not fit keeps its KV alone, which serves requests without a SLOT stage.
    /// </summary>
    public long PrefixCacheHostBytes { get; init; } = 1L << 30;

    public void Validate()
    {
        if (MaxRunning < 1) throw new SlotSharpException($"engine MaxRunning must be >= 1, got {MaxRunning}");
        if (MaxQueued < 0) throw new SlotSharpException($"engine MaxQueued must be >= 0, got {MaxQueued}");
        if (PrefillChunkTokens < 1) throw new SlotSharpException($"engine PrefillChunkTokens must be >= 1, got {PrefillChunkTokens}");
        if (PromptLogprobsMaxBytes < 1) throw new SlotSharpException($"engine PromptLogprobsMaxBytes must be >= 1, got {PromptLogprobsMaxBytes}");
        if (PrefixCacheEntries < 0) throw new SlotSharpException($"engine PrefixCacheEntries must be >= 0, got {PrefixCacheEntries}");
        if (PrefixCacheHostBytes < 0) throw new SlotSharpException($"engine PrefixCacheHostBytes must be >= 0, got {PrefixCacheHostBytes}");
        if (KvBudgetBytes < 1) throw new SlotSharpException($"engine KvBudgetBytes must be >= 1, got {KvBudgetBytes}");
    }
}
