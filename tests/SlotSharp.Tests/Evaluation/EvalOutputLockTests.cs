using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>Two runs sharing an output folder once interleaved their journal lines; the second is now refused.</summary>
public class EvalOutputLockTests
{
    [SkippableFact]
    public void SecondRunOnTheSameOutput_IsRefusedWhileTheFirstRuns_AndWorksAfterwards()
    {
        using var data = new EvalTestData();
        var options = data.Options("shared");
        SlotSharpException? refused = null;
        bool secondCompleted = false;

        // The second run starts while the first is between two samples, i.e. holds its journals open.
        var first = new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run(progress =>
        {
            if (progress.Done != 1) return;
            try { secondCompleted = new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run().Completed; }
            catch (SlotSharpException e) { refused = e; }
        });

        Assert.False(secondCompleted);
        Assert.NotNull(refused);
        Assert.Contains(options.OutputDirectory, refused.Message);
        Assert.Contains("another", refused.Message);
        Assert.True(first.Completed);
        Assert.Equal(4, first.Summaries[0].Correct); // the 5 samples of the first run, untouched (see Gsm8kEvalRunnerTests)

        // Released on return: the next run on the same folder resumes the finished journal.
        var again = new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run();
        Assert.True(again.Completed);
        Assert.Equal(4, again.Summaries[0].Correct);
    }

    [SkippableFact]
    public void OutputFolderThatCannotBeWritten_IsNamed()
    {
        using var data = new EvalTestData();
        // A regular file where the folder would be: refused for root too, unlike permission bits.
        var options = data.Options(Path.Combine("test.jsonl", "out"));

        var e = Assert.Throws<SlotSharpException>(() => new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options).Run());

        Assert.Contains(options.OutputDirectory, e.Message);
    }
}
