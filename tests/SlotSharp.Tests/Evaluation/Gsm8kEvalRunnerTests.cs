using System.Text.Json;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

public class Gsm8kEvalRunnerTests
{
    // random.seed(42); random.sample(range(8), 5) == [1, 0, 5, 2, 7] (CPython 3.11). With times 5 the fake engine
    // answers rows 1, 0, 5, 2, 7 in modes 2, 1, 2, 3, 0 (see FakeEvalModel.Completion): 4 correct, 3 well formatted.
    static readonly string[] ExpectedLog =
    [
        "Model Path: models/fake-qwen",
        "Times (from env): 5",
        "LR (from env): 0.1",
        "Eval Samples: 5",
        "Dataset Split: test",
        "Do Sample: False",
        "Temperature: 0.9",
        "Seed: 42",
        "",
        "Number of evaluation samples: 5",
        "",
        "Sample 1:",
        "Question: Q1: How many eggs does Janet’s duck lay?",
        "Model Response: <think>hmm",
        "still thinking</think><answer>2125</answer>",
        "",
        "Correct Answer: 2,125",
        "Format Correct: True, Answer Correct: True",
        "",
        "Sample 2:",
        "Question: Q0: How many eggs does Janet’s duck lay?",
        "Model Response: The answer is 18.",
        "Correct Answer: 18",
        "Format Correct: False, Answer Correct: True",
        "",
        "Sample 3:",
        "Question: Q5: How many eggs does Janet’s duck lay?",
        "Model Response: <think>hmm",
        "still thinking</think><answer>42</answer>",
        "",
        "Correct Answer: 42",
        "Format Correct: True, Answer Correct: True",
        "",
        "Sample 4:",
        "Question: Q2: How many eggs does Janet’s duck lay?",
        "Model Response: I don't know",
        "Correct Answer: -3",
        "Format Correct: False, Answer Correct: False",
        "",
        "Sample 5:",
        "Question: Q7: How many eggs does Janet’s duck lay?",
        "Model Response: <think>work 7</think><answer>5</answer>",
        "Correct Answer: 5",
        "Format Correct: True, Answer Correct: True",
        "",
        "Evaluation Results (Samples: 5):",
        "Answer Accuracy: 0.8000",
        "Format Accuracy: 0.6000",
    ];

    static void AssertLogLines(string path)
    {
        var text = File.ReadAllText(path);
        Assert.EndsWith("\n", text);
        var lines = text[..^1].Split('\n');
        for (int i = 0; i < Math.Min(lines.Length, ExpectedLog.Length); i++)
            Assert.True(ExpectedLog[i] == lines[i], $"log line {i + 1}: expected '{ExpectedLog[i]}', got '{lines[i]}'");
        Assert.Equal(ExpectedLog.Length, lines.Length);
    }

    [SkippableFact]
    public void Five_samples_write_the_original_log_layout_summary_and_journal()
    {
        using var data = new EvalTestData();
        var options = data.Options("run");
        var engine = new FakeEvalModel(data.GoldByRow);
        var result = new Gsm8kEvalRunner(engine, options).Run();

        Assert.True(result.Completed);
        var logs = Path.Combine(options.OutputDirectory, "logs");
        AssertLogLines(Path.Combine(logs, "log_times_5_lr_0.1.txt"));
        Assert.Equal([1, 0, 5, 2, 7], engine.Calls.SelectMany(c => c.Rows));

        var s = result.Summaries.Single();
        Assert.Equal((5, 4, 3), (s.Samples, s.Correct, s.FormatCorrect));
        Assert.Equal(0.8, s.Accuracy);
        Assert.Equal(Math.Sqrt(0.8 * 0.2 / 5), s.AccuracyStderr, 12);   // 0.178885...
        Assert.Equal(Math.Sqrt(0.6 * 0.4 / 5), s.FormatAccuracyStderr, 12);
        Assert.Equal(100 + 101 + 105 + 102 + 107, s.PromptTokens);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(logs, "summary_times_5_lr_0.1.json")));
        Assert.Equal(0.8, summary.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(3, summary.RootElement.GetProperty("format_correct").GetInt32());

        var lines = File.ReadAllLines(Path.Combine(logs, "results_times_5_lr_0.1.jsonl"));
        Assert.Equal(6, lines.Length);
        using var header = JsonDocument.Parse(lines[0]);
        Assert.Equal("header", header.RootElement.GetProperty("type").GetString());
        using var first = JsonDocument.Parse(lines[1]);
        var r = first.RootElement;
        Assert.Equal(1, r.GetProperty("sample").GetInt32());
        Assert.Equal(1, r.GetProperty("dataset_index").GetInt32());
        Assert.Equal("2,125", r.GetProperty("answer").GetString());
        Assert.Equal("2125", r.GetProperty("extracted").GetString());
        Assert.True(r.GetProperty("correct").GetBoolean());
        Assert.Equal([1.0, 0.5, 1 / 3.0, 0.25, 0.2], r.GetProperty("slot_losses").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(101, r.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(0.5, r.GetProperty("slot_seconds").GetDouble());
    }

    [SkippableFact]
    public void Resume_after_crash_with_torn_last_line_finishes_without_redoing_samples()
    {
        using var data = new EvalTestData();
        var options = data.Options("crash");
        var crashing = new FakeEvalModel(data.GoldByRow, crashAfterPrompts: 2);
        Assert.Throws<IOException>(() => new Gsm8kEvalRunner(crashing, options).Run());

        var logs = Path.Combine(options.OutputDirectory, "logs");
        var journal = Path.Combine(logs, "results_times_5_lr_0.1.jsonl");
        Assert.Equal(3, File.ReadAllLines(journal).Length);                  // header + 2 samples survived
        var partialLog = File.ReadAllText(Path.Combine(logs, "log_times_5_lr_0.1.txt"));
        Assert.Contains("Sample 2:", partialLog);
        Assert.DoesNotContain("Evaluation Results", partialLog);
        // A process killed mid-write leaves half a line behind.
        File.AppendAllText(journal, "{\"type\":\"sample\",\"sample\":3,\"dataset_ind");

        var resumed = new FakeEvalModel(data.GoldByRow);
        var result = new Gsm8kEvalRunner(resumed, options).Run();

        Assert.True(result.Completed);
        Assert.Equal([5, 2, 7], resumed.Calls.SelectMany(c => c.Rows));
        AssertLogLines(Path.Combine(logs, "log_times_5_lr_0.1.txt"));
        var lines = File.ReadAllLines(journal);
        Assert.Equal(6, lines.Length);
        Assert.Equal([1, 2, 3, 4, 5], lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sample").GetInt32()));

        // A further rerun has nothing left to do and rewrites the same log.
        var idle = new FakeEvalModel(data.GoldByRow);
        new Gsm8kEvalRunner(idle, options).Run();
        Assert.Empty(idle.Calls);
        AssertLogLines(Path.Combine(logs, "log_times_5_lr_0.1.txt"));
    }

    [SkippableFact]
    public void Resume_with_other_settings_is_refused()
    {
        using var data = new EvalTestData();
        var options = data.Options("mismatch");
        new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow, crashAfterPrompts: 10), options).Run();
        var e = Assert.Throws<SlotSharpException>(() =>
            new Gsm8kEvalRunner(new FakeEvalModel(data.GoldByRow), options with { Seed = 7 }).Run());
        Assert.Contains("seed: file has '42', this run has '7'", e.Message);
        Assert.Contains("results_times_5_lr_0.1.jsonl", e.Message);
    }

    [SkippableFact]
    public void Batched_results_equal_unbatched()
    {
        using var data = new EvalTestData();
        SlotSetting[] settings = [new("0", "0.1"), new("1", "0.1")];
        var single = new FakeEvalModel(data.GoldByRow);
        var batched = new FakeEvalModel(data.GoldByRow);
        var a = new Gsm8kEvalRunner(single, data.Options("b1", 1, settings)).Run();
        var b = new Gsm8kEvalRunner(batched, data.Options("b3", 3, settings)).Run();

        Assert.All(single.Calls, c => Assert.Single(c.Rows));
        Assert.Equal([3, 2], batched.Calls.Select(c => c.Rows.Length));
        Assert.All(batched.Calls, c => Assert.Equal(["times=0 lr=0.1", "times=1 lr=0.1"], c.Settings));
        foreach (var name in new[] { "log_times_0_lr_0.1.txt", "log_times_1_lr_0.1.txt" })
            Assert.Equal(File.ReadAllText(Path.Combine(data.Dir, "b1", "logs", name)),
                File.ReadAllText(Path.Combine(data.Dir, "b3", "logs", name)));
        foreach (var name in new[] { "results_times_0_lr_0.1.jsonl", "results_times_1_lr_0.1.jsonl" })
            Assert.Equal(WithoutTiming(Path.Combine(data.Dir, "b1", "logs", name)), WithoutTiming(Path.Combine(data.Dir, "b3", "logs", name)));
        Assert.Equal(a.Summaries.Select(s => (s.Correct, s.FormatCorrect)), b.Summaries.Select(s => (s.Correct, s.FormatCorrect)));
    }

    // elapsed_s is measured wall time, the only field allowed to differ.
    static string[] WithoutTiming(string path) => File.ReadAllLines(path)
        .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"elapsed_seconds\":[^,}]*", "")).ToArray();

    [SkippableFact]
    public void Sweep_writes_one_log_per_combination_and_a_plot()
    {
        using var data = new EvalTestData();
        SlotSetting[] settings = [new("0", "0.1"), new("1", "0.1"), new("2", "0.1"), new("0", "1e-2"), new("1", "1e-2"), new("2", "1e-2")];
        var engine = new FakeEvalModel(data.GoldByRow);
        var result = new Gsm8kEvalRunner(engine, data.Options("sweep", 2, settings)).Run();

        var logs = Path.Combine(data.Dir, "sweep", "logs");
        foreach (var s in settings)
            Assert.True(File.Exists(Path.Combine(logs, $"log_times_{s.TimesText}_lr_{s.LrText}.txt")), s.ToString());
        Assert.Equal(6, Directory.GetFiles(logs, "log_times_*.txt").Length);
        // times 0: rows 1,0,5,2,7 in modes 1,0,1,2,3 -> 3 correct (row 2 answers "-3", whose sign the regex drops),
        // 2 formatted; times 1: modes 2,1,2,3,0 -> 4 correct, 3 formatted.
        Assert.Equal([(3, 2), (4, 3)], result.Summaries.Take(2).Select(s => (s.Correct, s.FormatCorrect)));
        Assert.Equal(3, engine.Calls.Count);                                // ceil(5/2) calls cover all 6 settings
        Assert.All(engine.Calls, c => Assert.Equal(6, c.Settings.Length));

        Assert.NotNull(result.SweepPlotFile);
        Assert.Equal(Path.Combine(logs, "sweep_times_0,1,2_lr_0.1,1e-2.png"), result.SweepPlotFile);
        var png = File.ReadAllBytes(result.SweepPlotFile!);
        Assert.True(png.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}
