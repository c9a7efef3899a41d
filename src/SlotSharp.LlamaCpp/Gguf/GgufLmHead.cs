namespace SlotSharp.Gguf;

/// <summary>The output weight W (V x d) of a GGUF model: output.weight, or token_embd.weight when tied.</summary>
internal static class GgufLmHead
{
    /// <summary>W's entry in the header of the file at <paramref name="path"/>; refused unless it is a V x d matrix.</summary>
    public static GgufTensorInfo Find(GgufHeader header, string path)
    {
        var info = header.Tensors.FirstOrDefault(t => t.Name == "output.weight") ?? header.Tensors.FirstOrDefault(t => t.Name == "token_embd.weight")
            ?? throw new SlotSharpException($"{path}: has neither output.weight nor token_embd.weight");
        if (info.Dims.Length != 2 || info.Dims[0] > int.MaxValue || info.Dims[1] > int.MaxValue)
            throw new SlotSharpException($"{path}: tensor '{info.Name}' has shape [{string.Join(", ", info.Dims)}], not a V x d matrix ([d, V] in ggml order)");
        return info;
    }

    /// <summary>(V, d) from the header alone. ggml lists the innermost dimension first: [d, V] is V rows of d values.</summary>
    public static (int Vocab, int Hidden) Shape(GgufFile file)
    {
        var info = Find(file.Header, file.Path);
        return ((int)info.Dims[1], (int)info.Dims[0]);
    }

    /// <summary>W as float32 (V x d, row-major): a full copy, for tests and measurements only; SLOT reads it in place (<see cref="GgufOutputWeight"/>).</summary>
    public static (float[] Weight, int Vocab, int Hidden) Read(GgufFile file)
    {
        var info = Find(file.Header, file.Path);
        return (file.ReadFloat32(info.Name), (int)info.Dims[1], (int)info.Dims[0]);
    }
}
