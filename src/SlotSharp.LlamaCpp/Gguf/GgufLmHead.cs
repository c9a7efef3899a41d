using SlotSharp.Slot;

namespace SlotSharp.Gguf;

/// <summary>The output weight W (V x d) of a GGUF model: output.weight, or token_embd.weight when tied.</summary>
internal static class GgufLmHead
{
    public static GgufTensorInfo Find(GgufFile file)
    {
        var info = file.Find("output.weight") ?? file.Find("token_embd.weight")
            ?? throw new SlotSharpException($"{file.Path}: has neither output.weight nor token_embd.weight");
        if (info.Dims.Length != 2 || info.Dims[0] > int.MaxValue || info.Dims[1] > int.MaxValue)
            throw new SlotSharpException($"{file.Path}: tensor '{info.Name}' is not a V x d matrix");
        return info;
    }

    /// <summary>(V, d) from the header alone. ggml lists the innermost dimension first: [d, V] is V rows of d values.</summary>
    public static (int Vocab, int Hidden) Shape(GgufFile file)
    {
        var info = Find(file);
        return ((int)info.Dims[1], (int)info.Dims[0]);
    }

    /// <summary>W as float32 (V x d, row-major): a full copy, for tests and measurements only; SLOT reads it in place (<see cref="Open"/>).</summary>
    public static (float[] Weight, int Vocab, int Hidden) Read(GgufFile file)
    {
        var info = Find(file);
        return (file.ReadFloat32(info.Name), (int)info.Dims[1], (int)info.Dims[0]);
    }

    /// <summary>W of the file at <paramref name="path"/> for SLOT's products, read in place in its stored format.</summary>
    public static OutputWeight Open(string path) => GgufOutputWeight.Open(path);
}
