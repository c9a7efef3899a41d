using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>`slot eval aime24|math500|gpqa-diamond` on the real tiny-qwen2 checkpoint: 3 problems each, every output file.</summary>
public sealed class TaskEndToEndTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-tasks-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // Qwen2.5's chat template with no system message adds its default one; lighteval passes a single user message.
    static string ChatText(string user) =>
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
        $"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n";

    [SkippableTheory]
    [InlineData("aime24", "aime24", "aime24", "lighteval|aime24|0")]
    [InlineData("math500", "math500", "math_500", "lighteval|math_500|0")]
    [InlineData("gpqa-diamond", "gpqa/sample.csv", "gpqa:diamond", "lighteval|gpqa:diamond|0")]
    public void ThreeProblemsWriteJournalResultsDetailsAndLog(string command, string data, string taskName, string key)
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var dataPath = SharedAssets.Require(["datasets", .. data.Split('/')]);
        var output = Path.Combine(_dir, command);
        var run = SlotProcess.Run(["eval", command, "--model", model, "--data", dataPath, "--limit", "3",
            "--max-new-tokens", "8", "--times", "1", "--lr", "0.1", "--dtype", "fp32", "--batch-size", "2", "--output", output]);
        Assert.True(run.Code == 0, run.Err);
        Assert.Contains("|Version|     Metric     |", run.Out);
        Assert.Contains($"|{key.Replace('|', ':')}|", run.Out);

        var stem = $"{taskName.Replace(':', '_')}_times_1_lr_0.1";
        var journal = File.ReadAllLines(Path.Combine(output, $"journal_{stem}.jsonl"));
        Assert.Equal(4, journal.Length); // header + 3 samples
        Assert.Equal(taskName, (string)JsonNode.Parse(journal[0])!["task"]!);

        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(output, $"results_{stem}.json")))!;
        double value = (double)results["results"]![key]!["extractive_match"]!;
        Assert.Contains(value, new[] { 0.0, 1 / 3.0, 2 / 3.0, 1.0 });
        Assert.NotNull(results["results"]![key]!["extractive_match_stderr"]);
        Assert.Equal(3, (int)results["summary_tasks"]![key]!["samples"]!);

        var task = LightevalTask.ByName(command);
        var documents = task.EvaluationOrder(task.Load(dataPath)); // order checked against CPython in TaskRunnerTests
        var details = File.ReadAllLines(Path.Combine(output, $"details_{stem}.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(3, details.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(documents[i].Id, (string)details[i]["id"]!);
            Assert.Equal(ChatText(documents[i].Instruction), (string)details[i]["full_prompt"]!);
            Assert.Equal(documents[i].Gold, (string)details[i]["gold"]!);
            Assert.NotNull(details[i]["prediction"]);
            Assert.NotNull(details[i]["extracted_prediction"]);
            Assert.NotEmpty(details[i]["extracted_gold"]!.AsArray());
            Assert.Contains((double)details[i]["extractive_match"]!, new[] { 0.0, 1.0 });
        }
        Assert.Equal(value, details.Average(d => (double)d["extractive_match"]!), 12);

        var log = Assert.Single(Directory.GetFiles(output, "*.log"));
        Assert.Equal($"{taskName}-tiny-qwen2-1-0.1-{SlotSharp.Evaluation.PythonFormat.FloatRepr(Math.Round(value, 4))}.log", Path.GetFileName(log));
        var text = File.ReadAllText(log);
        Assert.StartsWith($"Model Path: {model}\nTask: {key}\n", text);
        Assert.Contains($"|{key.Replace('|', ':')}|      1|extractive_match|", text);
    }

    [SkippableFact]
    public void CliShardsMergedEqualOneRunOnTheRealModel()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var data = SharedAssets.Require("datasets", "aime24");
        (int Code, string Out, string Err) Eval(string output, params string[] extra) =>
            SlotProcess.Run(["eval", "aime24", "--model", model, "--data", data, "--limit", "3", "--max-new-tokens", "6",
                "--times", "1", "--lr", "0.1", "--dtype", "fp32", "--output", Path.Combine(_dir, output), .. extra]);

        var single = Eval("single");
        Assert.True(single.Code == 0, single.Err);
        foreach (var shard in new[] { "0/2", "1/2" })
        {
            var run = Eval($"shard{shard[0]}", "--shard", shard);
            Assert.True(run.Code == 0, run.Err);
            Assert.Contains("slot eval merge", run.Out);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "shard0"), "results_*"));
        var merge = SlotProcess.Run(["eval", "merge", Path.Combine(_dir, "shard0"), Path.Combine(_dir, "shard1"),
            "--output", Path.Combine(_dir, "merged")]);
        Assert.True(merge.Code == 0, merge.Err);

        string[] Outputs(string folder) => Directory.GetFiles(Path.Combine(_dir, folder))
            .Where(f => !Path.GetFileName(f).StartsWith("journal_", StringComparison.Ordinal)).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(3, Outputs("single").Length);
        Assert.Equal(Outputs("single"), Outputs("merged"));
        foreach (var name in Outputs("single"))
            Assert.Equal(File.ReadAllText(Path.Combine(_dir, "single", name)), File.ReadAllText(Path.Combine(_dir, "merged", name)));
    }
}
