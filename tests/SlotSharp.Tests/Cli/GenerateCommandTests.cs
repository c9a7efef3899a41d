using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Cli;

/// <summary>`slot generate` end to end, against the goldens.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (Golden Golden, JsonObject Prompt, string Ids) Len8()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        return (golden, p, string.Join(",", Golden.Ints(p["input_ids"])));
    }

    static JsonObject Json(string stdout) => (JsonObject)JsonNode.Parse(stdout)!; // throws unless exactly one JSON value

    [SkippableFact]
    public void JsonTimes0IsPlainGreedyGeneration()
    {
        var (golden, p, ids) = Len8();
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt-ids", ids, "--times", "0",
            "--max-new-tokens", "24", "--dtype", "fp32", "--json");
        Assert.True(code == 0, stderr);
        var o = Json(stdout);
        Assert.Equal(Golden.Ints(p["input_ids"]), Golden.Ints(o["prompt_ids"]));
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), Golden.Ints(o["generated_ids"]));
        foreach (var key in new[] { "load_ms", "prefill_ms", "decode_ms", "decode_tokens_per_s" }) Assert.NotNull(o["timing"]![key]);
        Assert.NotNull(o["text"]);
    }

    [SkippableFact]
    public void SlotFlagsAndEnvironmentVariablesGiveTheGoldenTrajectory()
    {
        var (golden, p, ids) = Len8();
        var expectedLosses = Golden.Doubles(p["slot_seed"]![2]!["losses"]);
        var expectedIds = Golden.Ints(p["generate"]!["greedy_seed_times5_lr0.1"]);
        var common = new[] { "generate", "--model", golden.ModelDir, "--prompt-ids", ids, "--max-new-tokens", "24", "--dtype", "fp32", "--json" };

        var viaFlags = SlotProcess.Run([.. common, "--times", "5", "--lr", "0.1"]);
        var viaEnv = SlotProcess.Run(new Dictionary<string, string> { ["times"] = "5", ["lr"] = "0.1" }, common);
        foreach (var (code, stdout, stderr) in new[] { viaFlags, viaEnv })
        {
            Assert.True(code == 0, stderr);
            var o = Json(stdout);
            Assert.Equal(expectedIds, Golden.Ints(o["generated_ids"]));
            var slot = o["slot"]!;
            Assert.Equal(5, (int)slot["times"]!);
            var losses = Golden.Doubles(slot["losses"]);
            Assert.Equal(6, losses.Length); // before each step and after the last
            for (int i = 0; i < 5; i++) Assert.True(Math.Abs(losses[i] - expectedLosses[i]) <= 1e-4 * Math.Abs(expectedLosses[i]), $"loss {i}");
            Assert.Equal(5, ((JsonArray)slot["delta_norms"]!).Count);
        }

        // Flags win over the environment; the vLLM path reads CHOT_STEPS / CHOT_LR.
        var vllm = SlotProcess.Run(new Dictionary<string, string> { ["CHOT_STEPS"] = "5", ["CHOT_LR"] = "0.1", ["times"] = "1" },
            [.. common, "--slot-optimizer", "vllm"]);
        Assert.True(vllm.Code == 0, vllm.Err);
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_vllm_times5_lr0.1"]), Golden.Ints(Json(vllm.Out)["generated_ids"]));
    }

    [SkippableFact]
    public void StreamedTextEqualsTheGoldenStory()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompts.First(x => x["text"] is not null && Golden.Ints(x["input_ids"]).Length > 1);
        var expected = (string)p["generate"]!["texts"]!["greedy_times0"]!;
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", (string)p["text"]!,
            "--times", "0", "--max-new-tokens", "24", "--dtype", "fp32");
        Assert.True(code == 0, stderr);
        Assert.Equal(expected + "\n", stdout);
    }

    [SkippableFact]
    public void SavedDeltaReplaysTheSameGenerationAndIsRefusedByAnotherModel()
    {
        var (golden, _, ids) = Len8();
        var file = Path.Combine(_dir, "delta.safetensors");
        var common = new[] { "generate", "--model", golden.ModelDir, "--prompt-ids", ids, "--max-new-tokens", "12", "--dtype", "fp32", "--json" };
        var saved = SlotProcess.Run([.. common, "--times", "5", "--lr", "0.1", "--save-delta", file, "--explain", "3"]);
        Assert.True(saved.Code == 0, saved.Err);
        var first = Json(saved.Out);
        Assert.Equal(3, ((JsonArray)first["explain"]!["raised"]!).Count);

        var replay = SlotProcess.Run([.. common, "--load-delta", file]);
        Assert.True(replay.Code == 0, replay.Err);
        Assert.Equal(Golden.Ints(first["generated_ids"]), Golden.Ints(Json(replay.Out)["generated_ids"]));

        // stories260K has the same hidden size (64) but is another model.
        var stories = SharedAssets.Require("models", "stories260K");
        var refused = SlotProcess.Run("generate", "--model", stories, "--prompt-ids", "1,2", "--load-delta", file);
        Assert.Equal(2, refused.Code);
        Assert.Contains("__metadata__.model", refused.Err);
    }

    [SkippableTheory]
    [InlineData("--lr", "0", "--lr")]
    [InlineData("--times", "-1", "--times")]
    [InlineData("--slot-optimizer", "sgd", "--slot-optimizer")]
    [InlineData("--dtype", "int8", "--dtype")]
    [InlineData("--top-p", "0", "--top-p")]
    public void BadArgumentsAreNamed(string flag, string value, string named)
    {
        var model = SharedAssets.Root == null ? "/nonexistent" : Path.Combine(SharedAssets.Root, "models", "tiny-qwen2");
        var (code, _, stderr) = SlotProcess.Run("generate", "--model", model, "--prompt-ids", "1,2", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [SkippableFact]
    public void BadEnvironmentVariableIsNamed()
    {
        var (code, _, stderr) = SlotProcess.Run(new Dictionary<string, string> { ["times"] = "abc" }, "generate", "--model", "/nonexistent", "--prompt-ids", "1");
        Assert.Equal(2, code);
        Assert.Contains("times='abc'", stderr);
    }

    [SkippableFact]
    public void MissingModelFolderIsNamed()
    {
        var (code, _, stderr) = SlotProcess.Run("generate", "--model", "/nonexistent/model", "--prompt-ids", "1", "--times", "0");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/model", stderr);
    }
}
