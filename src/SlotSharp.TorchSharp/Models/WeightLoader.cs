using SlotSharp.Checkpoints;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>Where weights come from: a checkpoint on disk, or random values for benchmarks.</summary>
internal interface ITensorSource
{
    /// <summary>The tensor called <paramref name="name"/> (checkpoint key), checked against <paramref name="shape"/>.</summary>
    Tensor Read(string name, params long[] shape);
}

/// <summary>Reads source tensors, checks their shapes, and converts them to the compute dtype and device.</summary>
internal sealed class WeightLoader(ITensorSource source, ScalarType dtype, Device device)
{
    public Tensor Load(string name, params long[] shape)
    {
        using var stored = source.Read(name, shape);
        return Convert(stored);
    }

    /// <summary>Concatenates several tensors along dim 0 (fusing projections that read the same input).</summary>
    public Tensor Concat((string Name, long[] Shape)[] parts)
    {
        using var scope = NewDisposeScope();
        var tensors = parts.Select(p => source.Read(p.Name, p.Shape)).ToArray();
        return Convert(cat(tensors, 0)).MoveToOuterDisposeScope();
    }

    Tensor Convert(Tensor stored)
    {
        var t = stored.to(dtype).to(device);
        return ReferenceEquals(t, stored) ? stored.clone() : t;
    }
}
