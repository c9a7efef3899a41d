namespace SlotSharp.Gguf;

/// <summary>The output weight W (V x d, row-major float32) of a GGUF model: output.weight, or token_embd.weight when tied.</summary>
internal static class GgufLmHead
{
    public static (float[] Weight, int Vocab, int Hidden) Read(GgufFile file)
    {
        var info = file.Find("output.weight") ?? file.Find("token_embd.weight")
            ?? throw new SlotSharpException($"{file.Path}: has neither output.weight nor token_embd.weight");
        if (info.Dims.Length != 2 || info.Dims[0] > int.MaxValue || info.Dims[1] > int.MaxValue)
            throw new SlotSharpException($"{file.Path}: tensor '{info.Name}' is not a V x d matrix");
        // ggml lists the innermost dimension first: [d, V] is V rows of d values.
        return (file.ReadFloat32(info.Name), (int)info.Dims[1], (int)info.Dims[0]);
    }
}
