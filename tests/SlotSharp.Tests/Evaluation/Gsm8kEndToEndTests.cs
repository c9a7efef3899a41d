using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Evaluation;

/// <summary>`slot eval gsm8k` on the real tiny-qwen2 checkpoint: log layout line by line, and resume after a crash.</summary>
public sealed class Gsm8kEndToEndTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (int Code, string Out, string Err) Eval(string output, params string[] extra)
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var data = SharedAssets.Require("datasets", "gsm8k", "test.jsonl");
        return SlotProcess.Run(["eval", "gsm8k", "--model", model, "--data", data, "--eval-samples", "5", "--seed", "42",
            "--max-new-tokens", "6", "--times", "2", "--lr", "0.1", "--dtype", "fp32", "--output", output, .. extra]);
    }

    [SkippableFact]
    public void FiveSamplesWriteTheOriginalLogLayoutAndResumeBatchedAfterACrash()
    {
        var full = Path.Combine(_dir, "full");
        var run = Eval(full);
        Assert.True(run.Code == 0, run.Err);
        // Every question after the first starts with the chat template's shared opening, which the prefix cache keeps.
        Assert.Matches(@"prefix cache: 4 of 5 requests reused a cached prefix, \d+ of \d+ prompt tokens", run.Out);
        var log = Path.Combine(full, "logs", "log_times_2_lr_0.1.txt");
        var lines = File.ReadAllLines(log);

        // Questions chosen by Python's random.seed(42); random.sample(range(1319), 5).
        int[] expectedRows = [1309, 228, 51, 563, 501];
        var questions = File.ReadLines(SharedAssets.Require("datasets", "gsm8k", "test.jsonl"))
            .Select(l => JsonNode.Parse(l)!).ToArray();

        var expectedHeader = new[]
        {
            $"Model Path: {SharedAssets.Require("models", "tiny-qwen2")}", "Times (from env): 2", "LR (from env): 0.1",
            "Eval Samples: 5", "Dataset Split: test", "Do Sample: False", "Temperature: 0.9", "Seed: 42", "",
            "Number of evaluation samples: 5", "",
        };
        Assert.Equal(expectedHeader, lines.Take(expectedHeader.Length));
        int at = expectedHeader.Length;
        for (int i = 0; i < 5; i++)
        {
            var row = questions[expectedRows[i]];
            Assert.Equal($"Sample {i + 1}:", lines[at++]);
            Assert.Equal($"Question: {(string)row["question"]!}", lines[at++]);
            Assert.StartsWith("Model Response: ", lines[at]);
            while (!lines[at].StartsWith("Correct Answer: ", StringComparison.Ordinal)) at++; // responses may span lines
            string gold = ((string)row["answer"]!).Split("####")[^1].Trim();
            Assert.Equal($"Correct Answer: {gold}", lines[at++]);
            Assert.Matches("^Format Correct: (True|False), Answer Correct: (True|False)$", lines[at++]);
            Assert.Equal("", lines[at++]);
        }
        Assert.Equal("Evaluation Results (Samples: 5):", lines[at++]);
        Assert.Matches(@"^Answer Accuracy: \d\.\d{4}$", lines[at++]);
        Assert.Matches(@"^Format Accuracy: \d\.\d{4}$", lines[at++]);
        Assert.Equal(lines.Length, at);

        // A crash after two samples, mid-way through writing the third line of the results journal.
        var crashed = Path.Combine(_dir, "crashed", "logs");
        Directory.CreateDirectory(crashed);
        var journal = File.ReadAllLines(Path.Combine(full, "logs", "results_times_2_lr_0.1.jsonl"));
        Assert.Equal(6, journal.Length); // header + 5 samples
        File.WriteAllText(Path.Combine(crashed, "results_times_2_lr_0.1.jsonl"),
            string.Join("\n", journal.Take(3)) + "\n" + journal[3][..(journal[3].Length / 2)]);
        // Resumed with 2 prompts in flight: batching must not change any result.
        var resumed = Eval(Path.Combine(_dir, "crashed"), "--batch-size", "2");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(lines, File.ReadAllLines(Path.Combine(crashed, "log_times_2_lr_0.1.txt")));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(crashed, "summary_times_2_lr_0.1.json")))!;
        Assert.Equal(5, (int)summary["samples"]!);

        // Equal logs only show that batching agrees with the same engine unbatched; the responses must also be what
        // single-prompt generation (the golden-tested `slot generate` path) gives for each question alone.
        var expected = SingleGenerationResponses(expectedRows.Select(r => (string)questions[r]["question"]!).ToArray());
        foreach (var dir in new[] { Path.Combine(full, "logs"), crashed })
        {
            var samples = File.ReadAllLines(Path.Combine(dir, "results_times_2_lr_0.1.jsonl")).Skip(1).Select(l => JsonNode.Parse(l)!).ToArray();
            Assert.Equal(expected.Select(e => e.Text), samples.Select(j => (string)j["response"]!));
            Assert.Equal(expected.Select(e => e.Tokens), samples.Select(j => (int)j["generated_tokens"]!));
        }
    }

    /// <summary>Greedy `slot generate --chat --system (GSM8K system prompt) --times 2 --lr 0.1` on each question alone.</summary>
    static (string Text, int Tokens)[] SingleGenerationResponses(string[] questions)
    {
        using var pipeline = TestModel.Load(SharedAssets.Require("models", "tiny-qwen2"));
        var generation = new SlotSharp.Generation.GenerationOptions
        {
            MaxNewTokens = 6, StopIds = pipeline.StopIds.ToArray(), RepetitionPenalty = pipeline.DefaultRepetitionPenalty,
        };
        var slot = new SlotSharp.Slot.SlotOptions { Times = 2, Lr = 0.1 };
        return questions.Select(q =>
        {
            var ids = pipeline.EncodeChat([SlotSharp.Chat.ChatMessage.System(SlotSharp.Evaluation.Gsm8kPrompt.SystemText), SlotSharp.Chat.ChatMessage.User(q)]);
            var g = pipeline.Generate(ids, generation, slot).Generation;
            return (pipeline.Tokenizer.Decode(g.GeneratedIds, skipSpecialTokens: true), g.GeneratedIds.Length);
        }).ToArray();
    }
}
