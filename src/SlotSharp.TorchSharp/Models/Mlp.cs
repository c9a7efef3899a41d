using SlotSharp.Runtime;
using SlotSharp.Checkpoints;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlotSharp.Models;

/// <summary>SiLU-gated MLP: down_proj(silu(gate_proj(x)) * up_proj(x)); gate and up fused into one matrix at load.</summary>
internal sealed class Mlp : IDisposable
{
    readonly Tensor _gateUp;  // [2 * I, d]
    readonly Tensor _down;    // [d, I]
    readonly long _intermediate;

    public Mlp(WeightLoader w, string prefix, ModelConfig c)
    {
        if (c.MlpBias) throw new SlotSharpException("config.json: mlp_bias = true is not supported");
        _intermediate = c.IntermediateSize;
        _gateUp = w.Concat([(prefix + "gate_proj.weight", [_intermediate, c.HiddenSize]), (prefix + "up_proj.weight", [_intermediate, c.HiddenSize])]);
        _down = w.Load(prefix + "down_proj.weight", c.HiddenSize, _intermediate);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor gateUp, hidden;
        using (OpProfile.Time(OpKind.GateUpProduct)) gateUp = MatVec.Linear(x, _gateUp);
        using (OpProfile.Time(OpKind.Elementwise))
        {
            var gate = gateUp.narrow(-1, 0, _intermediate);
            var up = gateUp.narrow(-1, _intermediate, _intermediate);
            hidden = F.silu(gate) * up;
        }
        using (OpProfile.Time(OpKind.DownProduct)) return MatVec.Linear(hidden, _down).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _gateUp.Dispose(); _down.Dispose();
    }
}
