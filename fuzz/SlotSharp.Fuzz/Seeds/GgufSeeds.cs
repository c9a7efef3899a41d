using SlotSharp.Gguf;

namespace SlotSharp.Fuzz.Seeds;

/// <summary>
/// Tiny valid GGUF files written by the project's own <see cref="GgufWriter"/>: metadata of every value type the
/// writer has (string, uint32, int32, float32, bool, and string / int32 / float32 arrays) and two small F32 tensors,
/// the tied output weight token_embd.weight (V = 3, d = 4) and output_norm.weight; a third seed adds an untied
/// output.weight stored as Q6_K (V = 2, d = 256), whose bytes the row decoders read.
/// </summary>
public static class GgufSeeds
{
    public static IReadOnlyList<byte[]> Default() => [Build(withArrays: true), Build(withArrays: false), Build(withArrays: false, quantizedHead: true)];

    static byte[] Build(bool withArrays, bool quantizedHead = false)
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "qwen2");
        w.AddString("general.name", "fuzz-seed");
        w.AddUInt32("qwen2.embedding_length", 4);
        w.AddInt32("qwen2.block_count", 1);
        w.AddFloat32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.AddBool("tokenizer.ggml.add_bos_token", false);
        if (withArrays)
        {
            w.AddStrings("tokenizer.ggml.tokens", ["a", "b", "ab"]);
            w.AddInt32s("tokenizer.ggml.token_type", [1, 1, 3]);
            w.AddFloat32s("tokenizer.ggml.scores", [0f, -1f, -2.5f]);
        }
        AddF32(w, "token_embd.weight", [4, 3]);
        AddF32(w, "output_norm.weight", [4]);
        if (quantizedHead)
        {
            // Two Q6_K blocks of a byte pattern; its fp16 scale d (the last two bytes of each block) is 1.0.
            var bytes = Enumerable.Range(0, 2 * 210).Select(i => (byte)(i * 37)).ToArray();
            for (int b = 0; b < 2; b++) { bytes[b * 210 + 208] = 0x00; bytes[b * 210 + 209] = 0x3C; }
            w.AddTensor("output.weight", [256, 2], GgmlType.Q6_K, bytes.Length, s => s.Write(bytes));
        }
        var path = Path.Combine(Path.GetTempPath(), $"slotsharp-fuzz-seed-{Guid.NewGuid():N}.gguf");
        try
        {
            w.WriteTo(path);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    static void AddF32(GgufWriter w, string name, long[] dims)
    {
        int n = (int)dims.Aggregate(1L, (a, b) => a * b);
        // A pattern, not zeros, so that a read of the wrong range gives different values.
        var bytes = Enumerable.Range(0, n).SelectMany(i => BitConverter.GetBytes(i * 0.25f - 1f)).ToArray();
        w.AddTensor(name, dims, GgmlType.F32, bytes.Length, s => s.Write(bytes));
    }
}
