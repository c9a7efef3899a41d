using SlotSharp.Checkpoints;
using SlotSharp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Runs the model's own load against a checkpoint without reading a weight: every tensor the model asks for is
/// checked as <see cref="Checkpoint.Read"/> checks it (present, float, the shape config.json implies) and answered
/// with an empty tensor on the meta device, which holds no memory. What the loader refuses, a probe refuses with the
/// same message; and <see cref="Expected"/> lists the tensors the model reads, so a consumer that does not build the
/// model (the GGUF converter) applies the loader's checks rather than a second copy of them.
/// </summary>
internal sealed class ShapeProbe : ITensorSource
{
    readonly Checkpoint _checkpoint;
    readonly Dictionary<string, long[]> _expected = new(StringComparer.Ordinal);

    ShapeProbe(Checkpoint checkpoint) => _checkpoint = checkpoint;

    /// <summary>Each tensor the model reads, with the shape config.json implies for it.</summary>
    public IReadOnlyDictionary<string, long[]> Expected => _expected;

    public Tensor Read(string name, params long[] shape)
    {
        _checkpoint.Check(name, shape);
        _expected[name] = shape;
        return empty(shape, ScalarType.Float32, device: new Device(DeviceType.META));
    }

    /// <summary>Checks <paramref name="checkpoint"/> as loading it would; throws the loader's error, or returns the tensors it reads.</summary>
    public static IReadOnlyDictionary<string, long[]> Run(Checkpoint checkpoint)
    {
        var probe = new ShapeProbe(checkpoint);
        CausalLM.Load(probe, checkpoint.Config, new ComputeOptions(new Device(DeviceType.META), ScalarType.Float32), checkpoint.Folder).Dispose();
        return probe.Expected;
    }
}
