using SlotSharp.Checkpoints;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>Pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
internal sealed class DecoderLayer : IDisposable
{
    readonly RmsNorm _inputLayernorm, _postAttentionLayernorm;
    readonly Attention _selfAttn;
    readonly Mlp _mlp;
    readonly int _index;

    public DecoderLayer(WeightLoader w, int index, ModelConfig c)
    {
        _index = index;
        string p = $"model.layers.{index}.";
        _inputLayernorm = new RmsNorm(w.Load(p + "input_layernorm.weight", c.HiddenSize), c.RmsNormEps);
        _selfAttn = new Attention(w, p + "self_attn.", c);
        _postAttentionLayernorm = new RmsNorm(w.Load(p + "post_attention_layernorm.weight", c.HiddenSize), c.RmsNormEps);
        _mlp = new Mlp(w, p + "mlp.", c);
    }

    /// <summary>x: [B, T, d]; cos, sin: the rotary tables of its positions, [T, 1, head_dim].</summary>
    public Tensor Forward(Tensor x, KvCache cache, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        Tensor normed, attention, h, mlp;
        using (OpProfile.Time(OpKind.Norms)) normed = _inputLayernorm.Forward(x);
        attention = _selfAttn.Forward(normed, _index, cache, cos, sin);
        // add(y, One), not x + y: TorchSharp's operator + makes a Scalar alpha of 1 that nothing holds (HeldScalars).
        using (OpProfile.Time(OpKind.Elementwise)) h = x.add(attention, HeldScalars.One);
        using (OpProfile.Time(OpKind.Norms)) normed = _postAttentionLayernorm.Forward(h);
        mlp = _mlp.Forward(normed);
        using (OpProfile.Time(OpKind.Elementwise)) return h.add(mlp, HeldScalars.One).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _inputLayernorm.Dispose(); _selfAttn.Dispose(); _postAttentionLayernorm.Dispose(); _mlp.Dispose();
    }
}
