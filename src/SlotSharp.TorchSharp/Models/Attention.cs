using TorchSharp;
using SlotSharp.Runtime;
using SlotSharp.Checkpoints;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlotSharp.Models;

/// <summary>
/// Grouped-query self-attention (transformers' Qwen2Attention / LlamaAttention, eager path): q/k/v projections
/// (with biases for Qwen2), rotary embedding, scores scaled by head_dim^-0.5, causal mask, softmax in float32,
/// output projection. q_proj, k_proj and v_proj are fused into one matrix at load time: one GEMM instead of three.
/// </summary>
internal sealed class Attention : IDisposable
{
    readonly Tensor _qkvWeight;   // [(H + 2K) * hd, d]
    readonly Tensor? _qkvBias;
    readonly Tensor _oWeight;     // o_proj [d, H * hd]
    readonly int _heads, _kvHeads, _headDim;
    // Scalars live as fields: TorchSharp frees an implicitly converted Scalar from its finalizer, which can run while
    // the native op still reads it (seen as a failed masked_fill under test parallelism). Fields stay reachable
    // (HeldScalars; docs/ownership.md).
    readonly Scalar _scale, _negativeInfinity = double.NegativeInfinity.ToScalar();

    public Attention(WeightLoader w, string prefix, ModelConfig c)
    {
        _heads = c.NumAttentionHeads; _kvHeads = c.NumKeyValueHeads; _headDim = c.HeadDim;
        if (_heads % _kvHeads != 0)
            throw new SlotSharpException($"config.json: num_attention_heads {_heads} is not a multiple of num_key_value_heads {_kvHeads}");
        _scale = (1.0 / Math.Sqrt(_headDim)).ToScalar();
        long d = c.HiddenSize, q = (long)_heads * _headDim, kv = (long)_kvHeads * _headDim;
        _qkvWeight = w.Concat([(prefix + "q_proj.weight", [q, d]), (prefix + "k_proj.weight", [kv, d]), (prefix + "v_proj.weight", [kv, d])]);
        if (c.AttentionBias)
            _qkvBias = w.Concat([(prefix + "q_proj.bias", [q]), (prefix + "k_proj.bias", [kv]), (prefix + "v_proj.bias", [kv])]);
        _oWeight = w.Load(prefix + "o_proj.weight", d, q);
    }

    /// <summary>
    /// x: [B, T, d] at positions [cache.Length, cache.Length + T); cos and sin: the rotary tables of those positions as
    /// [T, 1, head_dim] (one per forward pass, shared by every layer).
    /// </summary>
    public Tensor Forward(Tensor x, int layer, KvCache cache, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        int groups = _heads / _kvHeads;

        Tensor qkv, q, k, v;
        using (OpProfile.Time(OpKind.QkvProduct)) qkv = MatVec.Linear(x, _qkvWeight, _qkvBias);
        using (OpProfile.Time(OpKind.Rope))
        {
            // q and k heads side by side ([B, T, H + K, hd]) take one rotation: the same per-element arithmetic as
            // rotating each, in 7 ops instead of 14 (decode is bound by per-op cost for these small tensors).
            var qk = RotaryEmbedding.Apply(qkv.narrow(-1, 0, (_heads + _kvHeads) * _headDim).view(b, t, _heads + _kvHeads, _headDim), cos, sin);
            q = qk.narrow(2, 0, _heads).transpose(1, 2);
            k = qk.narrow(2, _heads, _kvHeads).transpose(1, 2);
        }
        using (OpProfile.Time(OpKind.Attention))
            v = qkv.narrow(-1, (_heads + _kvHeads) * _headDim, _kvHeads * _headDim).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        long past = cache.Length;
        Tensor keys, values;
        using (OpProfile.Time(OpKind.KvCache)) (keys, values) = cache.Append(layer, k, v);   // [B, K, S, hd]
        Tensor context;
        using (OpProfile.Time(OpKind.Attention))
        {
            long s = keys.shape[2];
            // Query heads h = kv * groups + g share kv head "kv" (transformers' repeat_kv order), so grouping the
            // queries as [B, K, groups * T, hd] lets every kv head serve its group without copying K and V.
            var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
            var scores = matmul(qg, keys.transpose(2, 3)) * _scale;                 // [B, K, groups*T, S]
            if (t > 1)
            {
                // Query i (absolute position past + i) sees keys 0..past + i.
                var mask = ones(t, s, ScalarType.Bool, x.device).triu(past + 1);      // true = masked
                scores = scores.view(b, _kvHeads, groups, t, s).masked_fill(mask, _negativeInfinity).view(b, _kvHeads, groups * t, s);
            }
            var probs = F.softmax(scores, -1, ScalarType.Float32);
            if (x.dtype != ScalarType.Float32) probs = probs.to(x.dtype);
            context = matmul(probs, values)                                           // [B, K, groups*T, hd]
                .view(b, _heads, t, _headDim).transpose(1, 2).reshape(b, t, _heads * _headDim);
        }
        using (OpProfile.Time(OpKind.OutProduct)) return MatVec.Linear(context, _oWeight).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _qkvWeight.Dispose(); _qkvBias?.Dispose(); _oWeight.Dispose();
        _scale.Dispose(); _negativeInfinity.Dispose();
    }
}
