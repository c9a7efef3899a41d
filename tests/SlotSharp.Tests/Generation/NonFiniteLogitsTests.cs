using SlotSharp.Generation;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using SlotSharp.Tests.Checkpoints;
using SlotSharp.Tests.Oracles;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Generation;

/// <summary>
/// Non-finite weights or a NaN SLOT delta once gave exit 0 and ids [0,0,...]: the first logits are now checked and
/// a non-finite row stops generation with a clear error.
/// </summary>
public sealed class NonFiniteLogitsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-nonfinite-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static readonly GenerationOptions FourTokens = new() { MaxNewTokens = 4 };

    static int[] PromptIds(Golden golden) => Golden.Ints(golden.Prompts.Last()["input_ids"]);

    /// <summary>stories260K with one NaN in the final norm's weight (read by every position).</summary>
    string NaNWeightCopy(Golden golden)
    {
        var folder = CheckpointCopy.Of(golden.ModelDir, Path.Combine(_dir, "nan"));
        CheckpointCopy.EditWeights(folder, (name, data) => { if (name == "model.norm.weight") data[3] = float.NaN; });
        return folder;
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(3)]
    public void NaNWeightStopsWithAClearError(int slotTimes)
    {
        var golden = Golden.Load("stories260K");
        using var pipeline = TestModel.Load(NaNWeightCopy(golden));
        pipeline.Warn = _ => { };
        var e = Assert.Throws<SlotSharpException>(() => pipeline.Generate(PromptIds(golden), FourTokens, new SlotOptions { Times = slotTimes, Lr = 0.1 }));
        Assert.Contains("the model produced non-finite logits at the prompt's last position", e.Message);
        Assert.Contains("the weights or the SLOT delta are not finite", e.Message);
    }

    [SkippableFact]
    public void NaNDeltaStopsWithAClearError()
    {
        var golden = Golden.Load("stories260K");
        using var pipeline = TestModel.Load(golden.ModelDir);
        var delta = new float[64];
        delta[5] = float.NaN;
        var e = Assert.Throws<SlotSharpException>(() => pipeline.Generate(PromptIds(golden), FourTokens, loadedDelta: delta));
        Assert.Contains("non-finite logits", e.Message);
    }

    [SkippableFact]
    public void NegativeInfinityBiasStillMasksATokenLikeBefore()
    {
        // -inf in a caller's logit bias is a mask, not a fault: the golden's first greedy token is banned and avoided.
        var golden = Golden.Load("stories260K");
        var p = golden.Prompts.First(x => x["generate"] is not null);
        int first = Golden.Ints(p["generate"]!["greedy_times0"])[0];
        var generator = new TokenGenerator(ModelCache.Float32(golden));
        var values = new float[generator.Model.Config.VocabSize];
        values[first] = float.NegativeInfinity;
        using var bias = tensor(values);
        var result = generator.Generate(Golden.Ints(p["input_ids"]), FourTokens, logitBias: bias);
        Assert.NotEqual(first, result.GeneratedIds[0]);
        Assert.Equal(4, result.GeneratedIds.Length);
    }

    [SkippableFact]
    public void DeltaFileWithNaNIsRefusedNamingTheFile()
    {
        var path = Path.Combine(_dir, "delta.safetensors");
        float[] delta = [0.5f, float.NaN, 1f, 2f];
        SlotDeltaFile.SaveDelta(path, delta, new SlotDeltaMetadata("m", 4, 5, 0.1, "adamw", [1.0]));
        var e = Assert.Throws<SlotSharpException>(() => SlotDeltaFile.LoadDelta(path, 4));
        Assert.Contains(path, e.Message);
        Assert.Contains("field 'delta' holds a non-finite value (NaN at index 1)", e.Message);
    }
}
