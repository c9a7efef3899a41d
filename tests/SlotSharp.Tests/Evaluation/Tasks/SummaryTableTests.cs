using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>lighteval's mean/stderr and its printed table, against the tables that end SLOT's vllm/logs.</summary>
public sealed class SummaryTableTests
{
    static double[] Scores(int correct, int total) =>
        Enumerable.Range(0, total).Select(i => i < correct ? 1.0 : 0.0).ToArray();

    [SkippableFact]
    public void StderrIsTheSampleStandardDeviationOverSqrtN()
    {
        // 17/30: sqrt(p(1-p)/(n-1)) = sqrt((17/30)(13/30)/29) = sqrt(221/26100) = 0.09201866 (Python: 0.0920186554465537)
        var m = TaskMetrics.From(Scores(17, 30));
        Assert.Equal(17.0 / 30, m.Value, 15);
        Assert.Equal(Math.Sqrt(17.0 / 30 * (13.0 / 30) / 29), m.Stderr!.Value, 12);
        Assert.Equal(0.0920186554465537, m.Stderr.Value, 14);
        // A constant vector has no spread; one sample has no stderr at all (lighteval skips n - 1 = 0).
        Assert.Equal(0.0, TaskMetrics.From(Scores(4, 4)).Stderr);
        Assert.Null(TaskMetrics.From(Scores(1, 1)).Stderr);
    }

    [SkippableFact]
    public void Aime24TableMatchesTheOriginalLog()
    {
        // vllm/logs/aime24/aime24-DeepSeek-R1-Distill-Qwen-7B-1-0.1-0.5667.log (17 of 30).
        const string expected =
            "|       Task       |Version|     Metric     |Value |   |Stderr|\n" +
            "|------------------|------:|----------------|-----:|---|-----:|\n" +
            "|all               |       |extractive_match|0.5667|±  | 0.092|\n" +
            "|lighteval:aime24:0|      1|extractive_match|0.5667|±  | 0.092|\n";
        Assert.Equal(expected, SummaryTable.Render("lighteval|aime24|0", 1, "extractive_match", TaskMetrics.From(Scores(17, 30))));
    }

    [SkippableFact]
    public void Math500TableMatchesTheOriginalLog()
    {
        // vllm/logs/math500/math_500-DeepSeek-R1-Distill-Qwen-7B-0-0.1-0.934.log (467 of 500).
        const string expected =
            "|        Task        |Version|     Metric     |Value|   |Stderr|\n" +
            "|--------------------|------:|----------------|----:|---|-----:|\n" +
            "|all                 |       |extractive_match|0.934|±  |0.0111|\n" +
            "|lighteval:math_500:0|      1|extractive_match|0.934|±  |0.0111|\n";
        Assert.Equal(expected, SummaryTable.Render("lighteval|math_500|0", 1, "extractive_match", TaskMetrics.From(Scores(467, 500))));
    }

    [SkippableTheory]
    [InlineData("Task", 18, "       Task       ")]
    [InlineData("Value", 6, "Value ")]
    [InlineData("Metric", 16, "     Metric     ")]
    [InlineData("ab", 5, "  ab ")] // CPython: 'ab'.center(5) == '  ab ' (odd margin and odd width: extra space left)
    [InlineData("abc", 6, " abc  ")]
    public void CenterFollowsPythonStrCenter(string text, int width, string expected) =>
        Assert.Equal(expected, SummaryTable.Center(text, width));

    [SkippableTheory]
    [InlineData(0.092019, "0.092")]
    [InlineData(0.5, "0.5")]
    [InlineData(1.0, "1")]
    [InlineData(0.0, "0")]
    [InlineData(0.65656, "0.6566")]
    public void NumbersArePercentFourFWithoutTrailingZeros(double v, string expected) =>
        Assert.Equal(expected, SummaryTable.Number(v));
}
