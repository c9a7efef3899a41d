using SlotSharp.Checkpoints;
using SlotSharp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Gguf;

/// <summary>
/// Converts a Hugging Face Qwen2 / Llama checkpoint folder into a GGUF file that llama.cpp loads, as llama.cpp's
/// convert_hf_to_gguf.py does: its tensor names, Llama's q/k rows permuted from rotate_half pairs to the
/// interleaved pairs llama.cpp rotates, norms and biases in F32, llama3 rope scaling as a rope_freqs tensor, and
/// the tokenizer metadata. Quantized types are made by llama.cpp's own quantizer from a lossless intermediate.
/// </summary>
internal static class GgufConverter
{
    /// <summary>
    /// Converts <paramref name="modelFolder"/> into <paramref name="outputPath"/>. The folder gets the safetensors
    /// loader's checks before anything is written (a GGUF of a folder the loader refuses would not load either); the
    /// file is staged under a unique name beside the output, its header read back, and only then renamed into place,
    /// replacing an existing file only when <paramref name="overwrite"/>.
    /// </summary>
    public static void Convert(string modelFolder, string outputPath, GgufFileType type, int threads = 0, Action<string>? log = null, bool overwrite = true)
    {
        using var checkpoint = Checkpoint.Open(modelFolder);
        var config = checkpoint.Config;
        ModelFamilies.Require(config.Architecture, modelFolder);
        var expected = ShapeProbe.Run(checkpoint);
        checkpoint.RequireCovers(SlotSharp.Tokenization.TokenizerLoader.LoadFolder(modelFolder));
        string arch = config.Architecture == "LlamaForCausalLM" ? "llama" : "qwen2";
        var staged = StagedOutput.Beside(outputPath, "partial");
        try
        {
            if (!type.IsQuantized)
            {
                var planned = Write(checkpoint, expected, modelFolder, staged, type.DirectType!.Value, type.FtypeId, log);
                GgufReadBack.Check(staged, planned, arch, exactTypes: true);
            }
            else
            {
                // bf16/f16 checkpoints stay in their own type (lossless); anything else goes through F32.
                var intermediate = config.TorchDtype switch
                {
                    "bfloat16" => GgufFileType.BF16,
                    "float16" => GgufFileType.F16,
                    _ => GgufFileType.F32,
                };
                var unquantized = StagedOutput.Beside(outputPath, "unquantized");
                try
                {
                    var planned = Write(checkpoint, expected, modelFolder, unquantized, intermediate.DirectType!.Value, intermediate.FtypeId, log);
                    GgufReadBack.Check(unquantized, planned, arch, exactTypes: true);
                    log?.Invoke($"quantizing to {type.Name} with llama.cpp");
                    GgufQuantizer.Quantize(unquantized, staged, type, threads);
                    GgufReadBack.Check(staged, planned, arch, exactTypes: false);
                }
                finally { StagedOutput.Delete(unquantized); }
            }
            StagedOutput.Publish(staged, outputPath, overwrite);
        }
        finally { StagedOutput.Delete(staged); } // gone already when published
    }

    static List<(string Name, long[] Dims, GgmlType Type)> Write(Checkpoint checkpoint, IReadOnlyDictionary<string, long[]> expected,
        string folder, string path, GgmlType weightType, uint ftype, Action<string>? log)
    {
        var c = checkpoint.Config;
        bool llama = c.Architecture == "LlamaForCausalLM";
        string arch = llama ? "llama" : "qwen2";
        var planned = new List<(string Name, long[] Dims, GgmlType Type)>();
        var gguf = new GgufWriter();
        gguf.AddString("general.architecture", arch);
        gguf.AddString("general.type", "model");
        gguf.AddString("general.name", Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)));
        gguf.AddUInt32($"{arch}.block_count", (uint)c.NumHiddenLayers);
        gguf.AddUInt32($"{arch}.context_length", (uint)c.MaxPositionEmbeddings);
        gguf.AddUInt32($"{arch}.embedding_length", (uint)c.HiddenSize);
        gguf.AddUInt32($"{arch}.feed_forward_length", (uint)c.IntermediateSize);
        gguf.AddUInt32($"{arch}.attention.head_count", (uint)c.NumAttentionHeads);
        gguf.AddUInt32($"{arch}.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        gguf.AddFloat32($"{arch}.rope.freq_base", (float)c.RopeTheta);
        gguf.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        gguf.AddUInt32($"{arch}.attention.key_length", (uint)c.HeadDim);
        gguf.AddUInt32($"{arch}.attention.value_length", (uint)c.HeadDim);
        gguf.AddUInt32($"{arch}.rope.dimension_count", (uint)c.HeadDim);
        if (llama) gguf.AddUInt32($"{arch}.vocab_size", (uint)c.VocabSize);
        if (c.RopeScaling is { RopeType: "linear" } linear)
        {
            gguf.AddString($"{arch}.rope.scaling.type", "linear");
            gguf.AddFloat32($"{arch}.rope.scaling.factor", (float)linear.Factor);
        }
        gguf.AddUInt32("general.file_type", ftype);
        GgufVocabulary.AddTo(gguf, folder, c.VocabSize, c.BosTokenId, checkpoint.StopIds);

        if (c.RopeScaling is { RopeType: "llama3" } rs)
        {
            var factors = Llama3RopeFactors(c.RopeTheta, c.HeadDim, rs);
            AddFloat32Tensor(gguf, "rope_freqs.weight", factors);
            planned.Add(("rope_freqs.weight", [factors.Length], GgmlType.F32));
        }

        foreach (var hfName in checkpoint.TensorNames.OrderBy(TensorOrder).ThenBy(n => n, StringComparer.Ordinal))
        {
            var name = GgufTensorNames.Map(hfName);
            if (name == null) { log?.Invoke($"skipping {hfName} (llama.cpp does not use it)"); continue; }
            if (name == "output.weight" && c.TieWordEmbeddings) continue;
            // A tensor llama.cpp would look for that the model config.json describes does not read (a layer past
            // num_hidden_layers, a bias the config turns off): llama.cpp refuses the file's tensor count at load.
            if (!expected.ContainsKey(hfName))
                throw new SlotSharpException($"{checkpoint.Folder}: tensor '{hfName}' is not part of the model config.json describes "
                    + $"(num_hidden_layers {c.NumHiddenLayers}, attention_bias {(c.AttentionBias ? "true" : "false")})");
            var info = checkpoint.Info(hfName);
            // Norms and biases stay F32, as llama.cpp's converter keeps them.
            var type = info.Shape.Length <= 1 || name.EndsWith("_norm.weight", StringComparison.Ordinal) ? GgmlType.F32 : weightType;
            int permuteHeads = !llama ? 0
                : name.Contains(".attn_q.", StringComparison.Ordinal) ? c.NumAttentionHeads
                : name.Contains(".attn_k.", StringComparison.Ordinal) ? c.NumKeyValueHeads : 0;
            long[] dims = info.Shape.Reverse().ToArray();
            long bytes = GgufFormat.ByteSize(type, info.ElementCount);
            gguf.AddTensor(name, dims, type, bytes, stream => WriteTensor(checkpoint, hfName, type, permuteHeads, stream));
            planned.Add((name, dims, type));
        }
        log?.Invoke($"writing {path}");
        gguf.WriteTo(path);
        return planned;
    }

    // llama.cpp's converter writes the embedding first, then the blocks in numeric order, then the output tensors.
    static (int Group, int Layer) TensorOrder(string hfName)
    {
        if (hfName == "model.embed_tokens.weight") return (0, 0);
        const string prefix = "model.layers.";
        if (!hfName.StartsWith(prefix, StringComparison.Ordinal)) return (2, 0);
        int dot = hfName.IndexOf('.', prefix.Length);
        return int.TryParse(hfName.AsSpan(prefix.Length, Math.Max(0, dot - prefix.Length)), out int layer) ? (1, layer) : (2, 0);
    }

    static void WriteTensor(Checkpoint checkpoint, string hfName, GgmlType type, int permuteHeads, Stream stream)
    {
        using var scope = NewDisposeScope();
        var t = checkpoint.Read(hfName);
        if (permuteHeads > 0) t = RotateHalfToInterleaved(t, permuteHeads);
        t = type switch
        {
            GgmlType.F32 => t.to(ScalarType.Float32),
            GgmlType.F16 => t.to(ScalarType.Float16),
            GgmlType.BF16 => t.to(ScalarType.BFloat16),
            _ => throw new InvalidOperationException($"cannot write {type} directly"),
        };
        using var flat = t.contiguous().view(-1);
        long elementSize = type == GgmlType.F32 ? 4 : 2;
        long chunk = (1L << 28) / elementSize;
        for (long start = 0; start < flat.shape[0]; start += chunk)
        {
            using var part = flat.narrow(0, start, Math.Min(chunk, flat.shape[0] - start));
            stream.Write(part.bytes);
        }
    }

    /// <summary>
    /// HF Llama checkpoints pair dimension i with i + head_dim/2 in RoPE; llama.cpp pairs 2i with 2i+1. Reordering
    /// each head's rows (of q/k weights and biases) makes the two agree (convert_hf_to_gguf.py's permute).
    /// </summary>
    internal static Tensor RotateHalfToInterleaved(Tensor w, int heads)
    {
        var shape = w.shape;
        long rows = shape[0];
        long[] split = [heads, 2, rows / heads / 2, .. shape.Skip(1)];
        return w.reshape(split).transpose(1, 2).reshape(shape);
    }

    /// <summary>Per-frequency divisors of llama3 rope scaling, as llama.cpp expects them in rope_freqs.weight.</summary>
    internal static float[] Llama3RopeFactors(double theta, int headDim, RopeScaling rs)
    {
        double lowWavelen = rs.OriginalMaxPositionEmbeddings / rs.LowFreqFactor;
        double highWavelen = rs.OriginalMaxPositionEmbeddings / rs.HighFreqFactor;
        var factors = new float[headDim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            // float32 frequencies, as the reference computes them with torch.arange in float32.
            float freq = (float)(1.0 / Math.Pow(theta, (float)(2 * i) / headDim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) factors[i] = 1;
            else if (wavelen > lowWavelen) factors[i] = (float)rs.Factor;
            else
            {
                double smooth = (rs.OriginalMaxPositionEmbeddings / wavelen - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor);
                factors[i] = (float)(1 / ((1 - smooth) / rs.Factor + smooth));
            }
        }
        return factors;
    }

    static void AddFloat32Tensor(GgufWriter gguf, string name, float[] values) =>
        gguf.AddTensor(name, [values.Length], GgmlType.F32, 4L * values.Length,
            s => s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
}
