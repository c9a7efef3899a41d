using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SlotSharp.Runtime;

/// <summary>
/// Copies tensors to managed arrays through their raw bytes. TorchSharp's data&lt;T&gt;().ToArray() walks element by
/// element (about 25 ms for one 152k-entry logit row, measured), which would dominate decoding small models.
/// </summary>
internal static class TensorHost
{
    public static float[] Floats(Tensor t) => Copy<float>(t, ScalarType.Float32);

    public static double[] Doubles(Tensor t) => Copy<double>(t, ScalarType.Float64);

    /// <summary>Copies a float32 tensor's values into <paramref name="destination"/> (same element count).</summary>
    public static void CopyTo(Tensor t, float[] destination)
    {
        using var scope = NewDisposeScope();
        var host = t.to(ScalarType.Float32, CPU).contiguous().reshape(-1);
        if (host.shape[0] != destination.Length)
            throw new ArgumentException($"tensor has {host.shape[0]} values, destination {destination.Length}");
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination);
    }

    static T[] Copy<T>(Tensor t, ScalarType type) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        var host = t.to(type, CPU).contiguous().reshape(-1);
        var result = new T[host.shape[0]];
        MemoryMarshal.Cast<byte, T>(host.bytes).CopyTo(result);
        return result;
    }
}
