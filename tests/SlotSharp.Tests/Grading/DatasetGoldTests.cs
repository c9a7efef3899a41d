using System.Text.Json.Nodes;
using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

/// <summary>
/// Every MATH-500 and AIME24 gold must be usable: extracted the way lighteval extracts it, parsed into a value (not
/// just kept as text), equal to itself, and equal to the dataset's separate "answer" field given as a model would
/// write it. That last check compares two independent transcriptions, so it can fail.
/// </summary>
public class DatasetGoldTests
{
    static string Boxed(string answer) => $"Therefore, the final answer is: $\\boxed{{{answer}}}$. I hope it is correct";

    /// <summary>
    /// The one MATH-500 row whose solution boxes more than its answer field: "\boxed{15\frac{39}{40}} and
    /// \boxed{\frac{639}{40}}" (a mixed number and the same value), which lighteval reads as a two-element set.
    /// </summary>
    static readonly HashSet<string> SolutionBoxesMoreThanAnswer = ["test/number_theory/459.json"];

    [SkippableFact]
    public void Every_math500_solution_parses_and_equals_itself_and_its_answer_field()
    {
        var task = GradingTask.Math;
        var rows = File.ReadLines(SharedAssets.Require("datasets", "math500", "test.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(500, rows.Count);
        var unparsed = new List<string>();
        var notSelfEqual = new List<string>();
        var answerMismatch = new List<string>();
        foreach (var row in rows)
        {
            var id = (string)row["unique_id"]!;
            var solution = (string)row["solution"]!;
            var gold = MathGrader.Parse(solution, task.GoldTargets, task.Options);
            if (!gold.Any(g => g.Value is not null)) unparsed.Add(id);
            if (!MathGrader.Verify(gold, MathGrader.Parse(solution, task.PredictionTargets, task.Options), task.Options)) notSelfEqual.Add(id);
            if (!task.Grade(solution, Boxed((string)row["answer"]!))) answerMismatch.Add(id);
        }
        Assert.Empty(unparsed);
        Assert.Empty(notSelfEqual);
        Assert.Equal(SolutionBoxesMoreThanAnswer.Order(), answerMismatch.Order());
    }

    [SkippableFact]
    public void Every_aime24_answer_parses_to_its_integer_and_equals_itself()
    {
        var task = GradingTask.Aime;
        var rows = File.ReadLines(SharedAssets.Require("datasets", "aime24", "test.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(30, rows.Count);
        foreach (var row in rows)
        {
            var answer = (string)row["answer"]!;
            var gold = MathGrader.Parse(answer, task.GoldTargets, task.Options);
            Assert.True(gold.Count > 0 && gold[0].Value is NumberNode n && n.Value == BigRational.FromInteger(int.Parse(answer)), $"{row["id"]}: {string.Join(" | ", gold)}");
            Assert.True(MathGrader.Verify(gold, gold, task.Options), $"{row["id"]} is not equal to itself");
            Assert.True(task.Grade(answer, Boxed(answer)), $"{row["id"]}: boxed answer not accepted");
            Assert.True(task.Grade(answer.PadLeft(3, '0'), Boxed(answer)), $"{row["id"]}: zero-padded gold (as H4 stores it) not accepted");
        }
    }
}
