using SlotSharp.Checkpoints;
using SlotSharp.Models;

using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Checkpoints;

/// <summary>Every weight the model reads must be a float tensor of the shape config.json implies; the tokenizer must fit vocab_size.</summary>
public sealed class CheckpointWeightValidationTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static readonly ComputeOptions Fp32 = new(CPU, ScalarType.Float32);

    string StoriesCopy() => CheckpointCopy.Of(SharedAssets.Require("models", "stories260K"), Path.Combine(_dir, "model"));

    static SlotSharpException LoadFails(string folder)
    {
        using var ckpt = Checkpoint.Open(folder);
        return Assert.Throws<SlotSharpException>(() => CausalLM.Load(ckpt, Fp32).Dispose());
    }

    [SkippableFact]
    public void IntegerWeightIsRefusedNamingFileTensorAndDType()
    {
        // The bytes of an I32 tensor converted to float once ran as garbage; now the dtype is checked first.
        var folder = StoriesCopy();
        CheckpointCopy.RelabelDType(folder, "model.norm.weight", "I32");
        var e = LoadFails(folder);
        Assert.Contains(Path.Combine(folder, "model.safetensors"), e.Message);
        Assert.Contains("'model.norm.weight' has dtype I32", e.Message);
    }

    [SkippableFact]
    public void ShapeOtherThanConfigImpliesIsNamed()
    {
        var folder = StoriesCopy();
        CheckpointCopy.EditJson(folder, "config.json", c => c["intermediate_size"] = 170); // the weights have 172
        var e = LoadFails(folder);
        Assert.Contains("'model.layers.0.mlp.gate_proj.weight' has shape [172,64], config.json implies [170,64]", e.Message);
    }

    [SkippableFact]
    public void MissingWeightIsNamed()
    {
        var folder = StoriesCopy();
        CheckpointCopy.EditJson(folder, "config.json", c => c["num_hidden_layers"] = 6); // the weights have 5 layers
        var e = LoadFails(folder);
        Assert.Contains("no tensor 'model.layers.5.input_layernorm.weight'", e.Message);
    }

    [SkippableFact]
    public void VocabSizeSmallerThanTheTokenizerIsRefused()
    {
        // stories260K's tokenizer has 512 ids; with vocab_size 256 a prompt id >= 256 would fail inside the embedding.
        var folder = StoriesCopy();
        CheckpointCopy.EditJson(folder, "config.json", c => c["vocab_size"] = 256);
        var e = Assert.Throws<SlotSharpException>(() => TestModel.Load(folder).Dispose());
        Assert.StartsWith(Path.Combine(folder, "config.json") + ": field 'vocab_size' (256) does not cover the tokenizer's ids (up to 511)", e.Message);
    }
}
