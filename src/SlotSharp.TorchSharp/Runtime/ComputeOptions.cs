using static TorchSharp.torch;

namespace SlotSharp.Runtime;

/// <summary>Where and in which floating-point type the model computes (independent of the checkpoint's storage dtype).</summary>
internal sealed record ComputeOptions(Device Device, ScalarType DType)
{
    public static readonly string[] DTypeNames = ["fp32", "bf16", "fp16"];

    /// <summary>Most libtorch intra-op threads accepted (<see cref="SlotSharp.ModelLoadOptions.MaxThreads"/>).</summary>
    public static int MaxThreads => SlotSharp.ModelLoadOptions.MaxThreads;

    /// <summary>Throws unless <paramref name="threads"/> is 0 (libtorch's default) to <see cref="MaxThreads"/>.</summary>
    public static int CheckThreads(int threads) => threads >= 0 && threads <= MaxThreads ? threads
        : throw new SlotSharpException($"threads must lie in [0, {MaxThreads}] (0 = libtorch's default; at most 4 per logical processor " +
            $"of the {Environment.ProcessorCount} here, and 1024), got {threads}");

    /// <summary>
    /// Parses --device / --dtype. A null dtype picks the measured default (see <see cref="DefaultDType"/>);
    /// <paramref name="weightElements"/> (parameter count, when known) lets it fall back to bf16 when float32
    /// weights would not fit in memory.
    /// </summary>
    public static ComputeOptions Parse(string? device, string? dtype, long weightElements = 0)
    {
        TorchRuntime.EnsureLoadable();
        Device dev = (device ?? "cpu").ToLowerInvariant() switch
        {
            "cpu" => CPU,
            "cuda" or "gpu" => cuda.is_available() ? CUDA
                : throw new SlotSharpException("--device cuda: CUDA is not available (this build references TorchSharp-cpu; swap in the TorchSharp-cuda package, see README)"),
            var d when d.StartsWith("cuda:", StringComparison.Ordinal) => cuda.is_available() ? new Device(d)
                : throw new SlotSharpException($"--device {d}: CUDA is not available"),
            var d => throw new SlotSharpException($"--device '{d}' is not one of cpu, cuda"),
        };
        ScalarType type = dtype == null ? DefaultDType(dev, weightElements) : ParseDType(dtype);
        return new ComputeOptions(dev, type);
    }

    public static ScalarType ParseDType(string dtype) => dtype.ToLowerInvariant() switch
    {
        "fp32" or "float32" or "f32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "f16" or "half" => ScalarType.Float16,
        _ => throw new SlotSharpException($"--dtype '{dtype}' is not one of {string.Join(", ", DTypeNames)}"),
    };

    public static string Name(ScalarType t) => t switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => t.ToString(),
    };

    /// <summary>
    /// CUDA: bf16. CPU: fp32, measured faster for decoding on every CPU seen here: without native bf16 (AVX2 only)
    /// libtorch emulates bf16 matmul (fp32 GEMM 165 GFLOP/s vs bf16 under 1), and even with AVX512-BF16 its bf16
    /// matrix-vector product reads 20 GB/s while the float32 one (MatVec) reads 48 GB/s, so fp32 decodes faster
    /// although it moves twice the bytes (docs/benchmarks.md). bf16 only when float32 weights would take more than
    /// 60% of the memory this process may use.
    /// </summary>
    public static ScalarType DefaultDType(Device device, long weightElements = 0)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) return ScalarType.BFloat16;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return weightElements * 4.0 > 0.6 * available ? ScalarType.BFloat16 : ScalarType.Float32;
    }
}
