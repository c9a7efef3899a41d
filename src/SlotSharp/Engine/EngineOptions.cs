namespace SlotSharp.Engine;

/// <summary>Limits of a <see cref="SlotEngine"/> (docs/engine.md).</summary>
public sealed record EngineOptions
{
    /// <summary>Requests decoding together at most (llama.cpp also caps this at its MaxSequences).</summary>
    public int MaxRunning { get; init; } = 16;

    /// <summary>Requests waiting for admission at most; Submit throws <see cref="EngineOverloadedException"/> beyond it.</summary>
    public int MaxQueued { get; init; } = 1024;

    /// <summary>
    /// KV cache bytes all admitted requests may reserve on the TorchSharp backend, each reserving its worst case
    /// (prompt + max_new_tokens positions). On llama.cpp the budget is the context's cells instead, which
    /// LlamaCppOptions.ContextSize allocates up front.
    /// </summary>
    public long KvBudgetBytes { get; init; } = 2L << 30;

    public void Validate()
    {
        if (MaxRunning < 1) throw new SlotSharpException($"engine MaxRunning must be >= 1, got {MaxRunning}");
        if (MaxQueued < 0) throw new SlotSharpException($"engine MaxQueued must be >= 0, got {MaxQueued}");
        if (KvBudgetBytes < 1) throw new SlotSharpException($"engine KvBudgetBytes must be >= 1, got {KvBudgetBytes}");
    }
}
