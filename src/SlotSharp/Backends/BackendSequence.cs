namespace SlotSharp.Backends;

/// <summary>
/// One live sequence of a backend: how many positions its cache holds and the logits of the last one. The sequence
/// owns its engine state (a KV cache, a llama.cpp sequence id, the prompt's hidden states H when kept for SLOT,
/// which only its backend's <see cref="IModelBackend.SlotMath"/> reads); dispose it to free them.
/// </summary>
public abstract class BackendSequence(int[] promptIds, float[] logits, double prefillMilliseconds) : IDisposable
{
    public int[] PromptIds { get; } = promptIds;

    /// <summary>Logits (V) of the last position stored; refreshed by every step, read-only to callers.</summary>
    public float[] Logits { get; } = logits;

    /// <summary>Positions in the cache.</summary>
    public int Length { get; protected internal set; } = promptIds.Length;

    public double PrefillMilliseconds { get; } = prefillMilliseconds;

    public void Dispose()
    {
        ReleaseEngineState();
        GC.SuppressFinalize(this);
    }

    protected abstract void ReleaseEngineState();
}
