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

    /// <summary>Copies a tensor's values, as float32, into <paramref name="destination"/> (same element count).</summary>
    public static void CopyTo(Tensor t, Span<float> destination)
    {
        using var scope = NewDisposeScope();
        var host = t.to(ScalarType.Float32, CPU).contiguous().reshape(-1);
        if (host.shape[0] != destination.Length)
            throw new ArgumentException($"tensor has {host.shape[0]} values, destination {destination.Length}");
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination);
    }

    /// <summary>A 2-D tensor (any float dtype, any device) as a new float32 host matrix; the caller disposes it.</summary>
    public static SlotSharp.Slot.HostMatrix Matrix(Tensor t)
    {
        if (t.dim() != 2) throw new ArgumentException($"expected a 2-D tensor, got shape [{string.Join(", ", t.shape)}]");
        var m = new SlotSharp.Slot.HostMatrix((int)t.shape[0], (int)t.shape[1]);
        try
        {
            for (int start = 0; start < m.Rows;)
            {
                // Row blocks of at most 2^27 values, so a [T, V] block never needs one span past int.MaxValue.
                int count = (int)Math.Min(m.Rows - start, Math.Max(1, (1 << 27) / m.Columns));
                using var part = t.narrow(0, start, count);
                CopyTo(part, m.RowSpan(start, count));
                start += count;
            }
            return m;
        }
        catch { m.Dispose(); throw; }
    }

    /// <summary>
    /// A host matrix as a new float32 CPU tensor in libtorch's own (aligned) memory. Not torch.tensor(float[]): that
    /// tensor lives in the managed array, and MKL's products then depend on where the GC put it (measured: the same
    /// H Wᵀ differed in the last bit between two calls).
    /// </summary>
    public static Tensor Tensor(SlotSharp.Slot.HostMatrix m)
    {
        var t = empty([m.Rows, m.Columns], ScalarType.Float32);
        var values = MemoryMarshal.Cast<byte, float>(t.bytes);
        for (int r = 0; r < m.Rows; r++) m.Row(r).CopyTo(values.Slice(r * m.Columns, m.Columns));
        return t;
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
