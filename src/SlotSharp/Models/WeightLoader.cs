using SlotSharp.Checkpoints;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>Reads checkpoint tensors, checks their shapes, and converts them to the compute dtype and device.</summary>
public sealed class WeightLoader(Checkpoint checkpoint, ScalarType dtype, Device device)
{
    public Checkpoint Checkpoint { get; } = checkpoint;

    public Tensor Load(string name, params long[] shape)
    {
        using var stored = Checkpoint.Read(name, shape);
        return Convert(stored);
    }

    /// <summary>Concatenates several tensors along dim 0 (fusing projections that read the same input).</summary>
    public Tensor Concat((string Name, long[] Shape)[] parts)
    {
        using var scope = NewDisposeScope();
        var tensors = parts.Select(p => Checkpoint.Read(p.Name, p.Shape)).ToArray();
        return Convert(cat(tensors, 0)).MoveToOuterDisposeScope();
    }

    Tensor Convert(Tensor stored)
    {
        var t = stored.to(dtype).to(device);
        return ReferenceEquals(t, stored) ? stored.clone() : t;
    }
}
