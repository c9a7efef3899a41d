using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>`slot eval piqa|winogrande|...` as a process on tiny-qwen2 and the fixture rows: whole and sharded runs
/// merged to the same files, the selection mode's log of chosen settings, and the argument errors.</summary>
public sealed class EvalLoglikCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-loglikcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (int Code, string Out, string Err) Eval(string task, string output, params string[] extra) =>
        SlotProcess.Run(["eval", task, "--model", SharedAssets.Require("models", "tiny-qwen2"), "--data", LoglikFixtures.Rows(task),
            "--dtype", "fp32", "--output", output, .. extra]);

    [SkippableFact]
    public void ShardsOfAPiqaSweepMergeIntoTheFilesOfOneRun()
    {
        var whole = Eval("piqa", Path.Combine(_dir, "whole"), "--sweep-times", "0,2", "--lr", "0.1", "--batch-size", "2");
        Assert.True(whole.Code == 0, whole.Err);
        Assert.Contains("|lm_eval:piqa:0|      1|acc     |", whole.Out);
        Assert.Contains("sweep plot: ", whole.Out);
        foreach (var i in new[] { "0", "1" })
        {
            var shard = Eval("piqa", Path.Combine(_dir, "shard" + i), "--sweep-times", "0,2", "--lr", "0.1", "--shard", i + "/2");
            Assert.True(shard.Code == 0, shard.Err);
        }
        var merged = SlotProcess.Run(["eval", "merge", Path.Combine(_dir, "shard0"), Path.Combine(_dir, "shard1"), "--output", Path.Combine(_dir, "merged")]);
        Assert.True(merged.Code == 0, merged.Err);
        foreach (var stem in new[] { "piqa_times_0_lr_0.1", "piqa_times_2_lr_0.1" })
            foreach (var file in new[] { $"results_{stem}.json", $"details_{stem}.jsonl" })
                Assert.Equal(File.ReadAllText(Path.Combine(_dir, "whole", file)), File.ReadAllText(Path.Combine(_dir, "merged", file)));
        var details = File.ReadAllLines(Path.Combine(_dir, "whole", "details_piqa_times_2_lr_0.1.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, details.Count);
        Assert.All(details, d => Assert.Equal(2, d["loglikelihoods"]!.AsArray().Count));
    }

    [SkippableFact]
    public void SelectionOnWinograndeRecordsTheChosenSettingPerContext()
    {
        var run = Eval("winogrande", _dir, "--sweep-times", "0,3", "--lr", "0.1", "--slot-select", "heldout:2");
        Assert.True(run.Code == 0, run.Err);
        Assert.Contains("select heldout:2 among times=0,3 lr=0.1,0.1", run.Out);
        var details = File.ReadAllLines(Path.Combine(_dir, "details_winogrande_select_heldout_2_times_0,3_lr_0.1,0.1.jsonl"))
            .Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, details.Count);
        Assert.All(details, d => Assert.All(d["selected"]!.AsArray(), s => Assert.Matches("^times=(0|3) lr=0.1$", (string)s!)));
        Assert.Single(Directory.GetFiles(_dir, "winogrande-tiny-qwen2-select_heldout_2-0,3-0.1,0.1-*.log"));
    }

    [SkippableFact]
    public void SelectionWithOneSettingIsAUserError()
    {
        var run = Eval("mmlu", _dir, "--times", "2", "--slot-select", "heldout:2");
        Assert.Equal(2, run.Code);
        Assert.Contains("--slot-select needs at least two candidate settings", Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        run = Eval("mmlu", _dir, "--sweep-times", "0,2", "--slot-select", "best");
        Assert.Equal(2, run.Code);
        Assert.Contains("--slot-select must be 'heldout:M'", run.Err);
    }
}
