using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>
/// A backend sequence whose prompt stage runs on TorchSharp tensors: it owns H ([T, d], when kept) and, where the
/// backend computed them anyway, every prompt position's logits ([T, V]), which <see cref="TensorSlotMath"/> reads.
/// </summary>
public abstract class TensorSequence(int[] promptIds, Tensor? promptHidden, float[] logits, double prefillMilliseconds,
    Tensor? promptLogits = null) : BackendSequence(promptIds, logits, prefillMilliseconds)
{
    /// <summary>Final hidden states of the prompt, [T, d], after the last norm; null unless asked for.</summary>
    public Tensor? PromptHidden { get; } = promptHidden;

    /// <summary>
    /// Logits of every prompt position, [T, V], when the backend computed them anyway with H (llama.cpp) and they fit its
    /// budget; null otherwise. The SLOT fast path starts from them instead of recomputing H Wᵀ.
    /// </summary>
    public Tensor? PromptLogits { get; } = promptLogits;

    protected sealed override void ReleaseEngineState()
    {
        PromptHidden?.Dispose();
        PromptLogits?.Dispose();
        ReleaseCache();
    }

    /// <summary>Frees the sequence's own cache (a KV cache, a llama.cpp sequence id).</summary>
    protected abstract void ReleaseCache();
}

/// <summary>A backend whose W is a TorchSharp tensor (both backends today).</summary>
public interface ITensorBackend
{
    /// <summary>W (V x d), any float dtype, on the device SLOT runs on; owned by the backend.</summary>
    Tensor LmHeadWeight { get; }
}

/// <summary>The tensors of the TorchSharp-based backends, reachable from their core types (tests, tools, benchmarks).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "The analyzer reads C# 14 extension blocks as same-named members.")]
public static class TensorBackendExtensions
{
    extension(BackendSequence sequence)
    {
        /// <summary>H ([T, d]) when the prefill kept it; null otherwise or for a backend without tensors.</summary>
        public Tensor? PromptHidden => (sequence as TensorSequence)?.PromptHidden;

        /// <summary>Every prompt position's logits ([T, V]) when the backend kept them.</summary>
        public Tensor? PromptLogits => (sequence as TensorSequence)?.PromptLogits;
    }

    extension(IModelBackend backend)
    {
        /// <summary>W (V x d) of a TorchSharp-based backend.</summary>
        public Tensor LmHeadWeight => backend is ITensorBackend t ? t.LmHeadWeight
            : throw new InvalidOperationException($"the '{backend.Name}' backend has no TorchSharp output weight");
    }
}
