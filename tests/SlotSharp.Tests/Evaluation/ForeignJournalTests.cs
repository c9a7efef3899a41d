using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>
/// An eval output folder whose results file is not a previous run of the same eval is refused with the file left as it
/// was (issue 19: a file without a newline was taken for a torn line and emptied; one with several lines lost its
/// last before its header was even read). A header cut short by a killed run still resumes.
/// </summary>
public sealed class ForeignJournalTests
{
    const string Journal = "results_times_5_lr_0.1.jsonl";

    [SkippableTheory]
    [InlineData("my notes")]
    [InlineData("my notes\nmore notes")]
    [InlineData("{\"type\":\"header\",\"format\":\"someone else's\"}\ntail")]
    public void AFileThatIsNotThisEvalsJournalIsRefusedUntouched(string content)
    {
        using var data = new EvalTestData();
        var options = data.Options("foreign");
        var path = Path.Combine(options.OutputDirectory, "logs", Journal);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        var e = Assert.Throws<SlotSharpException>(() => new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run());
        Assert.StartsWith($"{path}:1: not a SlotSharp GSM8K results file", e.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [SkippableFact]
    public void AHeaderCutShortByAKilledRunIsStartedAfresh()
    {
        using var data = new EvalTestData();
        var options = data.Options("torn-header");
        new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run();
        var path = Path.Combine(options.OutputDirectory, "logs", Journal);
        var header = File.ReadAllLines(path)[0];
        File.WriteAllText(path, header[..(header.Length / 2)]); // the run was killed inside its first write

        var rerun = new FakeEvalModel(data.GoldByRow);
        Assert.True(new Gsm8kEvalRunner(rerun, options).Run().Completed);
        Assert.Equal([1, 0, 5, 2, 7], rerun.Calls.SelectMany(c => c.Rows)); // every sample again: none had been kept
        Assert.Equal(header, File.ReadAllLines(path)[0]);
    }
}
