using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// A TorchSharp W (V x d) seen as an <see cref="OutputWeight"/>: float32 rows are read in place, bfloat16 and float16
/// rows are widened one row at a time (so a bf16 7B head is never copied to float32 as a whole). A W off the CPU or
/// in another dtype is copied to the host once, in float32. Holds its own handle on W's storage; disposing it releases
/// that handle only.
/// </summary>
internal sealed unsafe class TensorOutputWeight : OutputWeight
{
    readonly Tensor _storage; // contiguous, on the CPU: an alias of W where possible
    readonly byte* _data;
    readonly ScalarType _dtype;

    public TensorOutputWeight(Tensor w) : base(checked((int)w.shape[0]), checked((int)w.shape[1]))
    {
        using var scope = NewDisposeScope();
        var host = w.detach();
        if (host.device_type != TorchSharp.DeviceType.CPU || host.dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            host = host.to(ScalarType.Float32, CPU);
        _storage = host.contiguous().alias().DetachFromDisposeScope();
        _dtype = _storage.dtype;
        // CPU storage is native memory that never moves, so the span's address stays valid while _storage lives.
        _data = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(_storage.bytes));
    }

    /// <summary>The W tensor this weight reads (same data), so runners over one W can share their products.</summary>
    public Tensor Storage => _storage;

    public override string StorageType => _dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.BFloat16 => "BF16",
        _ => "F16",
    };

    public override ReadOnlySpan<float> Row(int row, Span<float> scratch)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        int d = Columns;
        switch (_dtype)
        {
            case ScalarType.Float32:
                return new ReadOnlySpan<float>((float*)_data + (long)row * d, d);
            case ScalarType.BFloat16:
            {
                var src = new ReadOnlySpan<ushort>((ushort*)_data + (long)row * d, d);
                var dst = MemoryMarshal.Cast<float, uint>(scratch[..d]);
                for (int i = 0; i < d; i++) dst[i] = (uint)src[i] << 16;
                return scratch[..d];
            }
            default:
            {
                var src = new ReadOnlySpan<Half>((Half*)_data + (long)row * d, d);
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(src, scratch[..d]);
                return scratch[..d];
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _storage.Dispose();
        base.Dispose(disposing);
    }
}
