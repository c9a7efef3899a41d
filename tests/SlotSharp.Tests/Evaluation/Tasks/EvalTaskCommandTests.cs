namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>`slot eval TASK` / `slot eval merge` argument errors: exit code 2 and one line naming what is wrong.</summary>
public sealed class EvalTaskCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-taskcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static void AssertUserError((int Code, string Out, string Err) run, string expected)
    {
        Assert.Equal(2, run.Code);
        var line = Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
    }

    [SkippableFact]
    public void ABadShardIsRefusedBeforeTheModelLoads()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var data = SharedAssets.Require("datasets", "aime24");
        AssertUserError(SlotProcess.Run(["eval", "aime24", "--model", model, "--data", data, "--shard", "2/2", "--output", _dir]),
            "shard must be 'i/n' with 0 <= i < n, got '2/2'");
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [SkippableFact]
    public void AMissingGpqaFieldNamesTheRowAndField()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, "Question,Correct Answer\nq,a\n");
        AssertUserError(SlotProcess.Run(["eval", "gpqa-diamond", "--model", model, "--data", csv, "--output", _dir]),
            "row 0 has no 'Incorrect Answer 1' field");
    }

    [SkippableFact]
    public void MergeWithoutShardJournalsSaysSo() =>
        AssertUserError(SlotProcess.Run(["eval", "merge", _dir, "--output", Path.Combine(_dir, "out")]), "no shard journal");
}
