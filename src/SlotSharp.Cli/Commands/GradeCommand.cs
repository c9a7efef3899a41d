using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using SlotSharp.Grading;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot grade --input FILE.jsonl|.json --task math|aime|gsm8k|gpqa|math-verify [--output FILE]`: grades (gold, prediction) pairs as lighteval's
/// extractive_match does and prints each input object, in input order, with an added boolean "correct".
/// </summary>
internal static class GradeCommand
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Cases: .jsonl (one object per line) or .json (array, or object with \"cases\"); each has gold, prediction and optional gold_config, pred_config, options", Required = true };
        var task = new Option<string>("--task") { Description = $"Extraction targets and options for cases that do not set them: {string.Join(", ", GradingTask.All.Select(t => t.Name))}", Required = true };
        var output = new Option<string?>("--output") { Description = "Write the JSON lines to this file instead of stdout" };
        var cmd = new Command("grade", "Grade math / multiple-choice answers against golds (Math-Verify semantics, as lighteval 0.8 scores them)");
        cmd.Options.Add(input);
        cmd.Options.Add(task);
        cmd.Options.Add(output);
        cmd.SetAction(parse =>
        {
            var grading = GradingTask.FromName(parse.GetValue(task)!);
            // Read and validate every case before printing anything, so bad input yields one error line and no partial output.
            var cases = GradeCaseFile.Read(parse.GetValue(input)!, grading.Options).ToList();
            using var file = parse.GetValue(output) is { } path ? new StreamWriter(path) : null;
            var writer = file ?? Console.Out;
            foreach (var c in cases)
            {
                var graded = c.Source.DeepClone().AsObject();
                graded["correct"] = grading.Grade(c);
                writer.WriteLine(graded.ToJsonString(Json));
            }
            return 0;
        });
        return cmd;
    }
}
