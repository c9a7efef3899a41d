namespace SlotSharp.Gguf;

/// <summary>The file types `slot convert` writes: llama.cpp's llama_ftype numbers and the tensor type of big weights.</summary>
public sealed record GgufFileType(string Name, uint FtypeId, GgmlType? DirectType)
{
    public static readonly GgufFileType F32 = new("f32", 0, GgmlType.F32);
    public static readonly GgufFileType F16 = new("f16", 1, GgmlType.F16);
    public static readonly GgufFileType BF16 = new("bf16", 32, GgmlType.BF16);
    // Quantized types are written unquantized first, then quantized by llama.cpp's own quantizer.
    public static readonly GgufFileType Q8_0 = new("q8_0", 7, null);
    public static readonly GgufFileType Q4_K_M = new("q4_k_m", 15, null);
    public static readonly GgufFileType Q6_K = new("q6_k", 18, null);

    public static readonly IReadOnlyList<GgufFileType> All = [F32, F16, BF16, Q8_0, Q4_K_M, Q6_K];

    public bool IsQuantized => DirectType == null;

    public static GgufFileType Parse(string name, string what) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new SlotSharpException($"{what} '{name}' is not a GGUF type SlotSharp writes ({string.Join(", ", All.Select(t => t.Name))})");
}
