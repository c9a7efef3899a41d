using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Grading;

public sealed class GradeCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slot-grade-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [SkippableFact]
    public void Grades_jsonl_cases_in_input_order_and_keeps_their_fields()
    {
        // Verdicts worked out by hand from the rules in docs/grading.md.
        var input = Write("cases.jsonl", string.Join("\n",
            """{"id": "a", "gold": "$\\frac{1}{2}$", "prediction": "The final answer is $\\boxed{0.5}$"}""",
            """{"id": "b", "gold": "$3$", "prediction": "I think it is 4."}""",
            "",
            """{"id": "c", "gold": "1,000", "prediction": "so 1000 apples", "gold_config": ["expr"], "pred_config": ["expr"]}""",
            """{"id": "d", "gold": "$\\frac{1}{3}$", "prediction": "0.333", "options": {"float_rounding": 3}}""",
            """{"id": "e", "gold": "$\\frac{1}{3}$", "prediction": "0.333", "options": {"float_rounding": 4}}"""));
        var output = Path.Combine(_dir, "out.jsonl");
        Assert.Equal(0, SlotSharp.Cli.Program.Run(["grade", "--input", input, "--task", "math", "--output", output]));
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["a", "b", "c", "d", "e"], lines.Select(l => (string)l["id"]!));
        Assert.Equal([true, false, true, true, false], lines.Select(l => (bool)l["correct"]!));
        Assert.Equal(["expr"], lines[2]["gold_config"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(3, (int)lines[3]["options"]!["float_rounding"]!);
    }

    [SkippableFact]
    public void Gpqa_task_compares_answer_letters()
    {
        var input = Write("gpqa.json", """[{"gold": "C", "prediction": "... so the answer is clear.\nAnswer: C"}, {"gold": "C", "prediction": "Answer: B"}]""");
        var output = Path.Combine(_dir, "out.jsonl");
        Assert.Equal(0, SlotSharp.Cli.Program.Run(["grade", "--input", input, "--task", "gpqa", "--output", output]));
        Assert.Equal([true, false], File.ReadAllLines(output).Select(l => (bool)JsonNode.Parse(l)!["correct"]!));
    }

    [SkippableFact]
    public void The_peer_case_file_itself_is_accepted_and_graded_in_order()
    {
        var cases = SharedAssets.Require("datasets", "math-equivalence", "cases.json");
        var output = Path.Combine(_dir, "peer.jsonl");
        Assert.Equal(0, SlotSharp.Cli.Program.Run(["grade", "--input", cases, "--task", "math-verify", "--output", output]));
        var expected = JsonNode.Parse(File.ReadAllText(cases))!["cases"]!.AsArray();
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(expected.Select(c => (string)c!["id"]!), lines.Select(l => (string)l["id"]!));
        Assert.Equal(expected.Select(c => (bool)c!["expected"]!), lines.Select(l => (bool)l["correct"]!));
    }

    [SkippableTheory]
    [InlineData("{\"gold\": \"1\"}", "bad.jsonl:1: missing string field 'prediction'")]
    [InlineData("{\"gold\": \"1\", \"prediction\": \"1\"}\nnot json", "bad.jsonl:2: not valid JSON")]
    [InlineData("{\"gold\": 1, \"prediction\": \"1\"}", "bad.jsonl:1: field 'gold' must be a string")]
    [InlineData("{\"gold\": \"1\", \"prediction\": \"1\", \"gold_config\": [\"latexx\"]}", "bad.jsonl:1: field 'gold_config': unknown extraction target 'latexx'")]
    [InlineData("{\"gold\": \"1\", \"prediction\": \"1\", \"options\": {\"float_rounding\": \"5\"}}", "bad.jsonl:1: options.float_rounding: expected an integer")]
    public void Bad_input_is_one_line_naming_file_line_and_field_with_exit_code_2(string content, string message)
    {
        var input = Write("bad.jsonl", content);
        var (code, stdout, stderr) = SlotProcess.Run("grade", "--input", input, "--task", "math");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line);
        Assert.Contains(input, line);
    }

    [SkippableFact]
    public void Unknown_task_is_a_user_error()
    {
        var input = Write("ok.jsonl", """{"gold": "1", "prediction": "1"}""");
        Assert.Equal(2, SlotSharp.Cli.Program.Run(["grade", "--input", input, "--task", "nope"]));
    }
}
