using TorchSharp;
using SlotSharp.Checkpoints;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Random weights with a real model's shapes, for benchmarks that must not download anything.
/// Norm weights are ones; everything else N(0, 0.02^2), created directly in the compute dtype.
/// </summary>
internal sealed class RandomWeights(ScalarType dtype, int seed = 0) : ITensorSource
{
    readonly TorchSharp.torch.Generator _generator = new((ulong)seed);

    public Tensor Read(string name, params long[] shape)
    {
        if (name.EndsWith("norm.weight", StringComparison.Ordinal)) return ones(shape, dtype);
        // What torch.normal(0, 0.02) does (randn * std), with the Scalar held (docs/ownership.md).
        using var std = 0.02.ToScalar();
        return randn(shape, dtype, generator: _generator).mul_(std);
    }

    /// <summary>Qwen2.5-0.5B's config.json (vocab 151936, hidden 896, 24 layers, 14 heads, 2 KV heads, tied).</summary>
    public static ModelConfig Qwen25_05B => new()
    {
        Architecture = "Qwen2ForCausalLM", ModelType = "qwen2", VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864,
        NumHiddenLayers = 24, NumAttentionHeads = 14, NumKeyValueHeads = 2, HeadDim = 64, RmsNormEps = 1e-6,
        RopeTheta = 1_000_000, TieWordEmbeddings = true, MaxPositionEmbeddings = 32768, TorchDtype = "bfloat16",
        AttentionBias = true, EosTokenIds = [151643],
    };
}
