using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Cli;

/// <summary>--allow-long-context, and the bounds on --times and --threads, through the real CLI.</summary>
public sealed class LimitFlagTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (string Model, int[] Ids, int[] Greedy) Stories()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompt("len300");
        return (golden.ModelDir, Golden.Ints(p["input_ids"]), Golden.Ints(p["generate"]!["greedy_times0"]));
    }

    [SkippableFact]
    public void GenerateRefusesAPromptPlusMaxNewTokensPastTheModelsPositionsUnlessAllowed()
    {
        var (model, ids, greedy) = Stories();
        string[] args = ["generate", "--model", model, "--prompt-ids", string.Join(",", ids), "--times", "0", "--dtype", "fp32", "--json"];

        foreach (var maxNew in new[] { "304", "1000000000" })
        {
            var refused = SlotProcess.Run([.. args, "--max-new-tokens", maxNew]);
            Assert.Equal(2, refused.Code);
            Assert.Contains("298", refused.Err);
            Assert.Contains(maxNew, refused.Err);
            Assert.Contains("max_position_embeddings (512)", refused.Err);
            Assert.Contains("--allow-long-context", refused.Err);
        }

        var allowed = SlotProcess.Run([.. args, "--max-new-tokens", "304", "--allow-long-context"]);
        Assert.True(allowed.Code == 0, allowed.Err);
        var generated = Golden.Ints(JsonNode.Parse(allowed.Out)!["generated_ids"]);
        Assert.Equal(greedy, generated[..greedy.Length]);
    }

    [SkippableFact]
    public void EvalRefusesAPromptPastTheModelsPositionsUnlessAllowed()
    {
        var model = SharedAssets.Require("models", "stories260K");
        var data = SharedAssets.Require("datasets", "gsm8k", "test.jsonl");
        string[] args = ["eval", "gsm8k", "--model", model, "--data", data, "--eval-samples", "1", "--times", "0", "--dtype", "fp32",
            "--max-new-tokens", "512"];
        var refused = SlotProcess.Run([.. args, "--output", Path.Combine(_dir, "refused")]);
        Assert.Equal(2, refused.Code);
        Assert.Contains("max_position_embeddings (512)", refused.Err);

        var allowed = SlotProcess.Run([.. args, "--output", Path.Combine(_dir, "allowed"), "--allow-long-context"]);
        Assert.True(allowed.Code == 0, allowed.Err);
    }

    [SkippableTheory]
    [InlineData("--times", "1001", "1000")]
    [InlineData("--threads", "100000", "--threads")]
    public void GenerateRefusesSettingsAboveTheirBound(string flag, string value, string named)
    {
        var (code, _, stderr) = SlotProcess.Run("generate", "--model", "/nonexistent", "--prompt-ids", "1,2", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(flag, stderr);
        Assert.Contains(named, stderr);
        Assert.Contains(value, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
