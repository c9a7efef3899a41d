using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Tasks;
using SlotSharp.Tests.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation;

/// <summary>
/// GSM8K and the lighteval tasks run on the same <see cref="EvalRunner"/>; what differs is the task object and its
/// output writer. The GSM8K scores below are worked out in Gsm8kEvalRunnerTests (rows 1, 0, 5, 2, 7 at times 5:
/// 4 correct, 3 well formatted), the aime24 ones in TaskRunnerTests (10 problems, rows 6, 12 and 15 right).
/// </summary>
public sealed class EvalRunnerTests : IDisposable
{
    readonly EvalTestData _data = new();

    public void Dispose() => _data.Dispose();

    /// <summary>A clock that never moves: every engine call takes 0 s, so the journal's timings are exact.</summary>
    sealed class FrozenClock : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }

    TaskRunOptions Gsm8kRun(string output, ShardSpec? shard = null) => new()
    {
        Task = new Gsm8kTask("test"), Documents = Gsm8kTask.Documents(_data.Rows), ModelPath = "models/fake-qwen",
        DataLabel = _data.DataFile, Settings = [new SlotSetting("5", "0.1")], Generation = new Gsm8kTask().DefaultGeneration,
        Limit = 5, Seed = 42, Shard = shard ?? ShardSpec.Whole, OutputDirectory = Path.Combine(_data.Dir, output),
    };

    [SkippableFact]
    public void OneRunnerTypeRunsGsm8kAndALightevalTask()
    {
        var gsm8k = new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("gsm8k")).Run(new Gsm8kOutput("test"));
        var summary = Assert.Single(gsm8k.Reports);
        Assert.Equal((5, 4, 3), (summary.Samples, summary.Correct, summary.FormatCorrect));
        Assert.EndsWith("Answer Accuracy: 0.8000\nFormat Accuracy: 0.6000\n",
            File.ReadAllText(Path.Combine(_data.Dir, "gsm8k", "logs", "log_times_5_lr_0.1.txt")));

        var aime = new Aime24Task();
        var docs = aime.Load(Path.GetDirectoryName(SharedAssets.Require("datasets", "aime24", "test.jsonl"))!);
        var lighteval = new EvalRunner(new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold)), new TaskRunOptions
        {
            Task = aime, Documents = docs, ModelPath = "/models/fake-model", DataLabel = "aime24",
            Settings = [new SlotSetting("1", "0.1")], Generation = aime.DefaultGeneration, Limit = 10,
            OutputDirectory = Path.Combine(_data.Dir, "aime24"),
        }).Run(new LightevalOutput());
        Assert.Equal(0.3, Assert.Single(lighteval.Reports).Metrics.Value, 15);
        Assert.Equal(Path.Combine(_data.Dir, "aime24", "aime24-fake-model-1-0.1-0.3.log"), lighteval.Reports[0].LogFile);
    }

    [SkippableFact]
    public void Gsm8kWithLightevalsFilesScoresTheSameSamples()
    {
        var result = new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("mixed")).Run(new LightevalOutput());
        var r = Assert.Single(result.Reports);
        // Scores 1, 1, 1, 0, 1: mean 0.8; sqrt((4 * 0.2^2 + 0.8^2) / 4) / sqrt(5) = sqrt(0.2) / sqrt(5) = 0.2.
        Assert.Equal(0.8, r.Metrics.Value, 15);
        Assert.Equal(0.2, r.Metrics.Stderr!.Value, 12);
        var details = File.ReadAllLines(r.DetailsFile).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal([1, 0, 5, 2, 7], details.Select(d => (int)d["index"]!));
        Assert.Equal("2,125", (string)details[0]["gold"]!);
        Assert.Equal(["2125"], details[0]["extracted_prediction"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(details[3]["extracted_prediction"]!.AsArray()); // "I don't know"
    }

    [SkippableFact]
    public void Gsm8kJournalLinesKeepTheirExactBytes()
    {
        new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("bytes"), new FrozenClock()).Run(new Gsm8kOutput("test"));
        var lines = File.ReadAllLines(Path.Combine(_data.Dir, "bytes", "logs", "results_times_5_lr_0.1.jsonl"));

        // The data fingerprint as documented: SHA-256 over each row's question, NUL, answer, NUL, in file order.
        var hashed = string.Concat(EvalTestData.Golds.Select((g, i) => $"{EvalTestData.Question(i)}\0Some work <<1+1=2>>2.\n#### {g}\0"));
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hashed)));
        Assert.Equal("{\"type\":\"header\",\"format\":\"slotsharp.gsm8k.results\",\"version\":1,\"model_path\":\"models/fake-qwen\"," +
            $"\"data\":\"{_data.DataFile}\",\"data_sha256\":\"{sha}\",\"split\":\"test\",\"eval_samples\":5,\"seed\":42," +
            "\"times\":\"5\",\"lr\":\"0.1\",\"do_sample\":false,\"temperature\":0.9,\"max_new_tokens\":512,\"sample_count\":5}", lines[0]);
        Assert.Equal("{\"type\":\"sample\",\"sample\":1,\"dataset_index\":1,\"question\":\"Q1: How many eggs does Janet’s duck lay?\"," +
            "\"response\":\"<think>hmm\\nstill thinking</think><answer>2125</answer>\\n\",\"answer\":\"2,125\",\"extracted\":\"2125\"," +
            "\"correct\":true,\"format\":true,\"slot_losses\":[1,0.5,0.3333333333333333,0.25,0.2],\"prompt_tokens\":101," +
            "\"generated_tokens\":55,\"prefill_seconds\":0.25,\"slot_seconds\":0.5,\"decode_seconds\":1.25,\"elapsed_seconds\":0}", lines[1]);
    }

    [SkippableFact]
    public void Gsm8kHeaderOfAWholeSplitRunWritesEvalSamplesAsNull()
    {
        new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("all") with { Limit = null }).Run(new Gsm8kOutput("test"));
        var header = File.ReadLines(Path.Combine(_data.Dir, "all", "logs", "results_times_5_lr_0.1.jsonl")).First();
        Assert.Contains("\"split\":\"test\",\"eval_samples\":null,\"seed\":42,", header);
        Assert.EndsWith("\"max_new_tokens\":512,\"sample_count\":8}", header);
    }

    [SkippableFact]
    public void TaskJournalHeaderKeepsItsExactBytes()
    {
        var aime = new Aime24Task();
        var docs = aime.Load(Path.GetDirectoryName(SharedAssets.Require("datasets", "aime24", "test.jsonl"))!);
        var output = Path.Combine(_data.Dir, "aime-shard");
        new EvalRunner(new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold)), new TaskRunOptions
        {
            Task = aime, Documents = docs, ModelPath = "/models/fake-model", DataLabel = "aime24",
            Settings = [new SlotSetting("1", "0.1")], Generation = aime.DefaultGeneration with { MaxModelLength = null },
            Shard = new ShardSpec(1, 3), OutputDirectory = output,
        }).Run(new LightevalOutput());

        // The documented fingerprint: SHA-256 over the evaluated documents' id, NUL, prompt, NUL, gold, NUL, in order.
        var hashed = string.Concat(aime.EvaluationOrder(docs).Select(d => $"{d.Id}\0{d.Instruction}\0{d.Gold}\0"));
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hashed)));
        Assert.Equal("{\"type\":\"header\",\"format\":\"slotsharp.task.results\",\"version\":1,\"task\":\"aime24\"," +
            $"\"model_path\":\"/models/fake-model\",\"data\":\"aime24\",\"data_sha256\":\"{sha}\",\"limit\":null,\"seed\":1234," +
            "\"times\":\"1\",\"lr\":\"0.1\",\"do_sample\":true,\"temperature\":0.6,\"top_p\":0.95,\"max_new_tokens\":32768," +
            "\"max_model_length\":null,\"sample_count\":30,\"shard_index\":1,\"shard_count\":3}",
            File.ReadLines(Path.Combine(output, "journal_aime24_times_1_lr_0.1_shard_1_of_3.jsonl")).First());
    }

    [SkippableFact]
    public void Gsm8kResumesThroughTheSharedRunnerToTheFilesOfAnUninterruptedRun()
    {
        var clock = new FrozenClock();
        new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("whole"), clock).Run(new Gsm8kOutput("test"));
        var crashing = new FakeEvalModel(_data.GoldByRow, crashAfterPrompts: 3);
        Assert.Throws<IOException>(() => new EvalRunner(crashing, Gsm8kRun("resumed") with { BatchSize = 2 }, clock).Run(new Gsm8kOutput("test")));

        var engine = new FakeEvalModel(_data.GoldByRow);
        var result = new EvalRunner(engine, Gsm8kRun("resumed") with { BatchSize = 2 }, clock).Run(new Gsm8kOutput("test"));
        Assert.True(result.Completed);
        // Batches of 2: rows 1, 0 were journaled; the second batch (5, 2) died on its second prompt.
        Assert.Equal([[5, 2], [7]], engine.Calls.Select(c => c.Rows));
        foreach (var file in new[] { "log_times_5_lr_0.1.txt", "results_times_5_lr_0.1.jsonl", "summary_times_5_lr_0.1.json" })
            Assert.Equal(File.ReadAllText(Path.Combine(_data.Dir, "whole", "logs", file)).Replace("whole", "resumed"),
                File.ReadAllText(Path.Combine(_data.Dir, "resumed", "logs", file)));
    }

    [SkippableFact]
    public void Gsm8kRefusesAShardInsteadOfWritingAPartialLog()
    {
        var e = Assert.Throws<SlotSharpException>(() =>
            new EvalRunner(new FakeEvalModel(_data.GoldByRow), Gsm8kRun("shard", new ShardSpec(1, 2))).Run(new Gsm8kOutput("test")));
        Assert.Contains("not sharded", e.Message);
    }

    [SkippableFact]
    public void Gsm8kTaskSelectsScoresAndPromptsAsTheOriginal()
    {
        var task = new Gsm8kTask();
        var docs = Gsm8kTask.Documents(_data.Rows);
        // CPython 3.11: random.seed(42); random.sample(range(8), 5) == [1, 0, 5, 2, 7]; 8 >= 8 rows keeps file order.
        Assert.Equal([1, 0, 5, 2, 7], task.Select(docs, 5, 42).Select(d => d.Index));
        Assert.Equal(Enumerable.Range(0, 8), task.Select(docs, 8, 42).Select(d => d.Index));
        Assert.Equal(Enumerable.Range(0, 8), task.Select(docs, null, 42).Select(d => d.Index));

        var prompt = task.Prompt(docs[1]);
        Assert.False(prompt.AddSpecialTokens);
        Assert.Equal([new EvalMessage("system", Gsm8kPrompt.SystemText), new EvalMessage("user", EvalTestData.Question(1))], prompt.Messages);

        var score = task.Score(docs[1], "<think>x</think><answer>1875 or 2125</answer>");
        Assert.Equal((true, true), (score.Correct, score.FormatCorrect));
        Assert.Equal(["2125"], score.ExtractedPrediction);
        Assert.Equal(["2,125"], score.ExtractedGold);
        Assert.Throws<SlotSharpException>(() => new Gsm8kTask("validation"));
    }
}
