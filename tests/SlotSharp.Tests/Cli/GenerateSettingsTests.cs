namespace SlotSharp.Tests.Cli;

/// <summary>Generation settings that come from the model folder or sit at the edge of their range.</summary>
public sealed class GenerateSettingsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>tiny-qwen2 as a folder of symbolic links (the layout of a Hugging Face cache snapshot), except <paramref name="own"/>.</summary>
    string LinkedTinyQwen2(string? own = null)
    {
        var source = SharedAssets.Require("models", "tiny-qwen2");
        var model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(model);
        foreach (var f in Directory.GetFiles(source).Where(f => Path.GetFileName(f) != own))
            File.CreateSymbolicLink(Path.Combine(model, Path.GetFileName(f)), f);
        return model;
    }

    [SkippableFact]
    public void ModelFolderOfSymbolicLinksLoads()
    {
        // The safetensors reader took the link's own size (48 bytes) for the file's and refused every cache snapshot.
        var model = LinkedTinyQwen2();
        var p = Golden.Load("tiny-qwen2").Prompt("len8");
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", model, "--prompt-ids",
            string.Join(",", Golden.Ints(p["input_ids"])), "--times", "0", "--max-new-tokens", "24", "--dtype", "fp32", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), Golden.Ints(System.Text.Json.Nodes.JsonNode.Parse(stdout)!["generated_ids"]));
    }

    [SkippableFact]
    public void BadRepetitionPenaltyInGenerationConfigNamesTheFileNotTheFlag()
    {
        var model = LinkedTinyQwen2(own: "generation_config.json");
        var config = Path.Combine(model, "generation_config.json");
        File.WriteAllText(config, """{"eos_token_id": 151643, "repetition_penalty": 0}""");

        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", model, "--prompt-ids", "9707,11,1879,0", "--max-new-tokens", "2");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(config, line);
        Assert.Contains("repetition_penalty", line);
        Assert.DoesNotContain("--repetition-penalty", line);
    }

    [SkippableFact]
    public void CorruptWeightsFileIsAUserErrorNamingIt()
    {
        // The reader's InvalidDataException counted as an internal error (exit 70) once those stopped being user errors.
        var model = LinkedTinyQwen2(own: "model.safetensors");
        var weights = Path.Combine(model, "model.safetensors");
        File.WriteAllBytes(weights, [.. BitConverter.GetBytes(1000UL), .. "{}"u8.ToArray()]);
        var (code, _, stderr) = SlotProcess.Run("generate", "--model", model, "--prompt-ids", "9707,11,1879,0", "--max-new-tokens", "2");
        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {weights}: declared header length 1000 exceeds the file", line);
    }

    [SkippableFact]
    public void TinyTemperatureDecodesGreedily()
    {
        // 1e-320 overflowed every logit to infinity, and the draw then picked the last token id.
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt-ids",
            string.Join(",", Golden.Ints(p["input_ids"])), "--times", "0", "--max-new-tokens", "24", "--dtype", "fp32",
            "--temperature", "1e-320", "--json");
        Assert.True(code == 0, stderr);
        var o = System.Text.Json.Nodes.JsonNode.Parse(stdout)!;
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), Golden.Ints(o["generated_ids"]));
    }
}
