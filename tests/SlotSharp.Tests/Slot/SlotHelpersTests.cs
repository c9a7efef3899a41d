using SlotSharp.Slot;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>Delta files, env/flag resolution and the bias explanation.</summary>
public sealed class SlotHelpersTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slot-delta-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static SlotDeltaMetadata Meta(int d = 3) => new("tiny-qwen2", d, 5, 0.1, "adamw", [2.5, 2.25, double.NaN]);

    [SkippableFact]
    public void DeltaRoundTripsThroughSafetensors()
    {
        var path = Path.Combine(_dir, "d.safetensors");
        float[] delta = [1.5f, -0.25f, 3e-8f];
        SlotDeltaFile.SaveDelta(path, delta, Meta());
        var (loaded, meta) = SlotDeltaFile.LoadDelta(path, 3, "tiny-qwen2");
        Assert.Equal(delta, loaded);
        Assert.Equal(("tiny-qwen2", 3, 5, 0.1, "adamw"), (meta.Model, meta.HiddenSize, meta.Times, meta.Lr, meta.Optimizer));
        Assert.Equal(2.5, meta.Losses[0]);
        Assert.True(double.IsNaN(meta.Losses[2]));
    }

    [SkippableFact]
    public void FileLayoutFollowsSafetensors()
    {
        var path = Path.Combine(_dir, "d.safetensors");
        SlotDeltaFile.SaveDelta(path, [1f, 2f, 3f], Meta());
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        Assert.Equal(8 + n + 12, bytes.Length);
        var header = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Encoding.UTF8.GetString(bytes, 8, (int)n))!;
        Assert.Equal("F32", (string?)header["delta"]!["dtype"]);
        Assert.Equal("[0,12]", header["delta"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("3", (string?)header["__metadata__"]!["hidden_size"]); // strings only in __metadata__
        Assert.Equal("[2.5,2.25,null]", (string?)header["__metadata__"]!["losses"]);
        Assert.Equal(2f, BitConverter.ToSingle(bytes, 8 + (int)n + 4));
    }

    [SkippableFact]
    public void LoadRefusesHiddenSizeOrModelMismatchNamingFileAndField()
    {
        var path = Path.Combine(_dir, "d.safetensors");
        SlotDeltaFile.SaveDelta(path, [1f, 2f, 3f], Meta());
        var e1 = Assert.Throws<SlotSharpException>(() => SlotDeltaFile.LoadDelta(path, 4, null));
        Assert.Contains(path, e1.Message);
        Assert.Contains("delta.shape", e1.Message);
        var e2 = Assert.Throws<SlotSharpException>(() => SlotDeltaFile.LoadDelta(path, 3, "stories260K"));
        Assert.Contains(path, e2.Message);
        Assert.Contains("__metadata__.model", e2.Message);
    }

    [SkippableFact]
    public void LoadRefusesTruncatedFiles()
    {
        var path = Path.Combine(_dir, "d.safetensors");
        SlotDeltaFile.SaveDelta(path, [1f, 2f, 3f], Meta());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var e = Assert.Throws<SlotSharpException>(() => SlotDeltaFile.LoadDelta(path, 3));
        Assert.Contains("data_offsets", e.Message);
    }

    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;

    [SkippableFact]
    public void FlagsWinThenPathSpecificEnvThenDefaults()
    {
        var env = Env(("times", "3"), ("lr", "0.01"), ("CHOT_STEPS", "7"), ("CHOT_LR", "0.5"));
        Assert.Equal((2, 0.2), SlotSettingsResolver.Resolve(2, 0.2, SlotOptimizerKind.AdamW, env));
        Assert.Equal((3, 0.01), SlotSettingsResolver.Resolve(null, null, SlotOptimizerKind.AdamW, env));
        Assert.Equal((7, 0.5), SlotSettingsResolver.Resolve(null, null, SlotOptimizerKind.Vllm, env));
        Assert.Equal((7, 0.9), SlotSettingsResolver.Resolve(null, 0.9, SlotOptimizerKind.Vllm, env));
        Assert.Equal((5, 0.1), SlotSettingsResolver.Resolve(null, null, SlotOptimizerKind.AdamW, Env()));
    }

    [SkippableTheory]
    [InlineData("times", "abc", SlotOptimizerKind.AdamW)]
    [InlineData("times", "-1", SlotOptimizerKind.AdamW)]
    [InlineData("lr", "0", SlotOptimizerKind.AdamW)]
    [InlineData("CHOT_LR", "nan", SlotOptimizerKind.Vllm)]
    [InlineData("CHOT_STEPS", "2.5", SlotOptimizerKind.Vllm)]
    public void InvalidEnvValuesAreRejectedNamingTheVariable(string name, string value, SlotOptimizerKind kind)
    {
        var e = Assert.Throws<SlotSharpException>(() => SlotSettingsResolver.Resolve(null, null, kind, Env((name, value))));
        Assert.Contains(name, e.Message);
    }

    [SkippableFact]
    public void ExplainListsTopRaisedAndLowered()
    {
        var b = new float[] { 0.5f, -2f, 3f, 0f, -1f, 1f };
        var x = SlotBiasExplanation.Explain(b, 2);
        Assert.Equal([new TokenBias(2, 3f), new TokenBias(5, 1f)], x.Raised);
        Assert.Equal([new TokenBias(1, -2f), new TokenBias(4, -1f)], x.Lowered);
        Assert.Equal(6, SlotBiasExplanation.Explain(b, 10).Raised.Count);
    }
}
