using static TorchSharp.torch;

namespace SlotSharp.Checkpoints;

/// <summary>Safetensors entries as TorchSharp tensors (the file format itself lives in the core: <see cref="SafetensorsFile"/>).</summary>
internal static class SafetensorsTensors
{
    static readonly IReadOnlyDictionary<string, ScalarType> Types = new Dictionary<string, ScalarType>
    {
        ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16, ["F64"] = ScalarType.Float64,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Copies one tensor out of the mapped file into a new CPU tensor of its stored dtype.</summary>
    public static Tensor Read(this SafetensorsFile file, string name)
    {
        if (!file.Tensors.TryGetValue(name, out var info)) throw new KeyNotFoundException($"{file.Path}: no tensor '{name}'");
        var tensor = empty(info.Shape, Types[info.DType]);
        try
        {
            // Tensor.bytes is a Span (int-sized): copy through flat chunks for tensors over 2 GB.
            using var flat = tensor.view(-1);
            long elementSize = SafetensorsFile.DTypeSizes[info.DType];
            long chunkElements = Math.Max(1, (1L << 30) / elementSize);
            for (long start = 0; start < info.ElementCount; start += chunkElements)
            {
                long n = Math.Min(chunkElements, info.ElementCount - start);
                using var part = flat.narrow(0, start, n);
                file.CopyBytes(info, start * elementSize, part.bytes);
            }
            return tensor;
        }
        catch { tensor.Dispose(); throw; }
    }
}
