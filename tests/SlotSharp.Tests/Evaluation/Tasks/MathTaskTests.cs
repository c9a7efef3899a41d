using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>aime24 and math_500: loading, the exact template render, and extractive_match on typical outputs.</summary>
public sealed class MathTaskTests
{
    // LIGHTEVAL_TASKS.md appendix A.1, the JSON-escaped rendered form with {problem} cut out.
    const string Template = "Solve the following math problem efficiently and clearly.  The last line of your response should be of the following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I hope it is correct' (without quotes) where ANSWER is just the final number or expression that solves the problem. Think step by step before answering.\n\n";

    [SkippableFact]
    public void Aime24PromptIsTheTemplateFilledWithTheProblem()
    {
        var file = SharedAssets.Require("datasets", "aime24", "test.jsonl");
        var first = JsonNode.Parse(File.ReadLines(file).First())!;
        var docs = new Aime24Task().Load(Path.GetDirectoryName(file)!);
        Assert.Equal(30, docs.Count);
        Assert.Equal("2024-I-1", docs[0].Id);
        Assert.Equal("204", docs[0].Gold);
        Assert.Equal(Template + (string)first["problem"]!, docs[0].Instruction);
        Assert.StartsWith("Solve the following math problem efficiently and clearly.  The last", docs[0].Instruction);
        Assert.Contains("$\\boxed{ANSWER}$", docs[0].Instruction);
    }

    [SkippableFact]
    public void Math500GoldIsTheFullSolution()
    {
        var file = SharedAssets.Require("datasets", "math500", "test.jsonl");
        var first = JsonNode.Parse(File.ReadLines(file).First())!;
        var docs = new Math500Task().Load(file);
        Assert.Equal(500, docs.Count);
        Assert.Equal("test/precalculus/807.json", docs[0].Id);
        Assert.Equal((string)first["solution"]!, docs[0].Gold);
        Assert.Equal(Template + (string)first["problem"]!, docs[0].Instruction);
    }

    [SkippableFact]
    public void Aime24ScoresTheBoxedFinalAnswerAgainstAZeroPaddedGold()
    {
        var task = new Aime24Task();
        var doc = new TaskDocument(0, "x", "q", "025");
        Assert.True(task.Score(doc, "<think>maybe \\boxed{7}</think> Therefore, the final answer is: $\\boxed{25}$. I hope it is correct").Correct);
        Assert.False(task.Score(doc, "Therefore, the final answer is: $\\boxed{24}$. I hope it is correct").Correct);
        Assert.False(task.Score(doc, "").Correct);
    }

    [SkippableFact]
    public void Math500ComparesWithTheSolutionsBoxedAnswer()
    {
        var task = new Math500Task();
        var doc = new TaskDocument(0, "x", "q", "We have $r = 3.$ So the answer is $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$");
        Assert.True(task.Score(doc, "Therefore, the final answer is: $\\boxed{(3,\\frac{\\pi}{2})}$. I hope it is correct").Correct);
        Assert.False(task.Score(doc, "Therefore, the final answer is: $\\boxed{(3,\\pi)}$. I hope it is correct").Correct);
    }
}
