using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>
/// One live sequence of a backend: how many positions its cache holds and the logits of the last one. The sequence
/// owns <see cref="PromptHidden"/> and its engine state (a KV cache, a llama.cpp sequence id); dispose it to free them.
/// </summary>
public abstract class BackendSequence(int[] promptIds, Tensor? promptHidden, float[] logits, double prefillMilliseconds,
    Tensor? promptLogits = null) : IDisposable
{
    public int[] PromptIds { get; } = promptIds;

    /// <summary>Final hidden states of the prompt, [T, d], after the last norm; null unless asked for.</summary>
    public Tensor? PromptHidden { get; } = promptHidden;

    /// <summary>
    /// Logits of every prompt position, [T, V], when the backend computed them anyway with H (llama.cpp) and they fit its
    /// budget; null otherwise. The SLOT fast path starts from them instead of recomputing H Wᵀ.
    /// </summary>
    public Tensor? PromptLogits { get; } = promptLogits;

    /// <summary>Logits (V) of the last position stored; refreshed by every step, read-only to callers.</summary>
    public float[] Logits { get; } = logits;

    /// <summary>Positions in the cache.</summary>
    public int Length { get; internal set; } = promptIds.Length;

    public double PrefillMilliseconds { get; } = prefillMilliseconds;

    public void Dispose()
    {
        PromptHidden?.Dispose();
        PromptLogits?.Dispose();
        ReleaseEngineState();
        GC.SuppressFinalize(this);
    }

    protected abstract void ReleaseEngineState();
}
