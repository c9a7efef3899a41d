using SlotSharp.Slot;

namespace SlotSharp.Backends;

/// <summary>
/// One live sequence of a backend: how many positions its cache holds and the logits of the last one. The sequence
/// owns its engine state (a KV cache, a llama.cpp sequence id) and, when its prefill kept them for SLOT, the prompt's
/// hidden states H and logits (<see cref="HostSlotMath"/> copies what it needs from them); dispose it to free them.
/// </summary>
public abstract class BackendSequence(int[] promptIds, float[] logits, double prefillMilliseconds,
    HostMatrix? promptHidden = null, HostMatrix? promptLogits = null) : IDisposable
{
    public int[] PromptIds { get; } = promptIds;

    /// <summary>Logits (V) of the last position stored; refreshed by every step, read-only to callers.</summary>
    public float[] Logits { get; } = logits;

    /// <summary>Positions in the cache.</summary>
    public int Length { get; protected internal set; } = promptIds.Length;

    public double PrefillMilliseconds { get; } = prefillMilliseconds;

    /// <summary>Final hidden states of the prompt, [T, d], after the last norm; null unless the prefill kept them.</summary>
    public HostMatrix? PromptHidden { get; } = promptHidden;

    /// <summary>
    /// Every prompt position's logits, [T, V], when the prefill kept H and the logits fit the backend's budget; null
    /// otherwise (SLOT then recomputes them from H, slower). SLOT's prompt stage starts from them.
    /// </summary>
    public HostMatrix? PromptLogits { get; private set; } = promptLogits;

    /// <summary>
    /// Set by the engine when no later SLOT stage will start from this prefill (its last branch): the stage may then
    /// take <see cref="PromptLogits"/> and turn them into its E0 in place instead of copying [T, V] floats.
    /// </summary>
    internal bool LastSlotUse { get; set; }

    /// <summary>Hands the prompt's logits to the caller, who disposes them; the sequence no longer has them.</summary>
    internal HostMatrix? TakePromptLogits()
    {
        var logits = PromptLogits;
        PromptLogits = null;
        return logits;
    }

    public void Dispose()
    {
        PromptHidden?.Dispose();
        PromptLogits?.Dispose();
        ReleaseEngineState();
        GC.SuppressFinalize(this);
    }

    protected abstract void ReleaseEngineState();
}
