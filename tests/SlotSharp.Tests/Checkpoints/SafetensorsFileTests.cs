using System.Text;
using SlotSharp.Checkpoints;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Checkpoints;

public sealed class SafetensorsFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string Write(string header, byte[] data, string name = "model.safetensors")
    {
        var path = Path.Combine(_dir, name);
        var h = Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)h.Length));
        fs.Write(h);
        fs.Write(data);
        return path;
    }

    [SkippableFact]
    public void ReadsF32F16AndBf16WithKnownValues()
    {
        // 1.5f = 0x3FC00000; as F16 0x3E00; as BF16 0x3FC0 (little-endian bytes below).
        var data = new byte[] { 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x3E, 0xC0, 0x3F };
        var path = Write("""{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[1],"data_offsets":[4,6]},"c":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]}}""", data);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal("pt", f.Metadata["format"]);
        foreach (var name in new[] { "a", "b", "c" })
        {
            using var t = f.Read(name);
            using var t32 = t.to(ScalarType.Float32);
            Assert.Equal(1.5f, t32.item<float>());
        }
        using var b = f.Read("b");
        Assert.Equal(ScalarType.Float16, b.dtype);
    }

    [SkippableTheory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "outside the data section")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "needs 8")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype 'Q4'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", 8, "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "lacks dtype, shape or data_offsets")]
    [InlineData("""{"a": nope}""", 4, "invalid JSON")]
    // Shape products past 64 bits once wrapped (to 0 for these), giving "needs 0" or accepting the entry.
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}""", 0, "tensor 'a' has a shape or byte count beyond 64 bits")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", 0, "tensor 'a' has a shape or byte count beyond 64 bits")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}""", 0, "tensor 'a' has a shape or byte count beyond 64 bits")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-4,-1],"data_offsets":[0,16]}}""", 16, "tensor 'a' has a negative dimension")]
    public void RejectsBadHeadersNamingFileAndTensor(string header, int dataBytes, string expected)
    {
        var path = Write(header, new byte[dataBytes]);
        var e = Assert.Throws<SlotSharpException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [SkippableFact]
    public void RejectsHeaderLengthBeyondTheFile()
    {
        var path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. "{}"u8.ToArray()]);
        var e = Assert.Throws<SlotSharpException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains("exceeds the file", e.Message);
    }

    [SkippableFact]
    public void UnknownArchitectureListsSupportedOnes()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architectures":["MambaForCausalLM"],"vocab_size":10,"hidden_size":4,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":1}""");
        Write("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        using var ckpt = Checkpoint.Open(_dir);
        var e = Assert.Throws<SlotSharpException>(() => SlotSharp.Models.CausalLM.Load(ckpt, new SlotSharp.Runtime.ComputeOptions(CPU, ScalarType.Float32)));
        Assert.Contains("'architectures' names 'MambaForCausalLM'", e.Message);
        Assert.Contains("Qwen2ForCausalLM, LlamaForCausalLM", e.Message);
    }

    [SkippableFact]
    public void MissingConfigFieldIsNamed()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architectures":["LlamaForCausalLM"],"vocab_size":10}""");
        var e = Assert.Throws<SlotSharpException>(() => Checkpoint.Open(_dir).Dispose());
        Assert.Contains("'hidden_size' is missing", e.Message);
    }

    [SkippableFact]
    public void PickleOnlyFolderIsRefusedWithAReason()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"architectures":["LlamaForCausalLM"],"vocab_size":10,"hidden_size":4,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":1}""");
        File.WriteAllBytes(Path.Combine(_dir, "pytorch_model.bin"), [1, 2, 3]);
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(_dir).Dispose());
        Assert.Contains("safetensors only", e.Message);
    }

    [SkippableFact]
    public void GenerationConfigEosListIsRead()
    {
        var dir = SharedAssets.Require("models", "tiny-qwen2");
        using var ckpt = Checkpoint.Open(dir);
        Assert.Equal(new[] { 151645, 151643 }, ckpt.StopIds);
        Assert.Equal(26, ckpt.TensorNames.Count());
    }
}
