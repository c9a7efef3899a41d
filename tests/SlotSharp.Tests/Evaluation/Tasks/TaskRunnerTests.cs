using System.Text.Json.Nodes;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>The shared task runner with a fake engine: output files, resume, and shards + merge == one run.</summary>
public sealed class TaskRunnerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-tasks-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static IReadOnlyList<TaskDocument> Docs() =>
        new Aime24Task().Load(Path.GetDirectoryName(SharedAssets.Require("datasets", "aime24", "test.jsonl"))!);

    TaskRunResult Run(string output, ShardSpec shard, int batchSize, TaskFakeEngine? engine = null)
    {
        var docs = Docs();
        engine ??= new TaskFakeEngine(docs.ToDictionary(d => d.Index, d => d.Gold));
        return new TaskEvalRunner(engine, new TaskRunOptions
        {
            Task = new Aime24Task(), Documents = docs, ModelPath = "/models/fake-model", DataLabel = "aime24",
            Settings = [new SlotSetting("1", "0.1")], Generation = LightevalTask.ReferenceGeneration, Limit = 10,
            Shard = shard, BatchSize = batchSize, OutputDirectory = Path.Combine(_dir, output),
        }).Run();
    }

    [Fact]
    public void AWholeRunWritesResultsDetailsAndTheOriginalLogName()
    {
        var result = Run("single", ShardSpec.Whole, 4);
        Assert.True(result.Completed);
        var r = Assert.Single(result.Results);
        Assert.Equal(0.4, r.Metrics.Value, 15);
        Assert.Equal(Path.Combine(_dir, "single", "aime24-fake-model-1-0.1-0.4.log"), r.LogFile);

        var results = JsonNode.Parse(File.ReadAllText(r.ResultsFile))!;
        var scores = results["results"]!["lighteval|aime24|0"]!;
        Assert.Equal(0.4, (double)scores["extractive_match"]!, 15);
        Assert.Equal(Math.Sqrt(0.4 * 0.6 / 9), (double)scores["extractive_match_stderr"]!, 12);
        Assert.Equal(0.4, (double)results["results"]!["all"]!["extractive_match"]!, 15);
        Assert.Equal(1, (int)results["versions"]!["lighteval|aime24|0"]!);
        Assert.Equal(0.95, (double)results["config_general"]!["generation_parameters"]!["top_p"]!);

        var docs = Docs();
        var details = File.ReadAllLines(r.DetailsFile).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(10, details.Length);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(docs[i].Id, (string)details[i]["id"]!);
            Assert.Equal($"<|user|>{docs[i].Instruction}<|assistant|>", (string)details[i]["full_prompt"]!);
            Assert.Equal(TaskFakeEngine.Completion(i, docs[i].Gold), (string)details[i]["prediction"]!);
            Assert.Equal(docs[i].Gold, (string)details[i]["gold"]!);
            Assert.Equal(i % 3 == 0 ? 1.0 : 0.0, (double)details[i]["extractive_match"]!);
            Assert.NotEmpty(details[i]["extracted_gold"]!.AsArray());
        }
        Assert.Empty(details[2]["extracted_prediction"]!.AsArray()); // "no idea" holds no number

        var log = File.ReadAllText(r.LogFile);
        Assert.StartsWith("Model Path: /models/fake-model\nTask: lighteval|aime24|0\n", log);
        Assert.EndsWith(
            "|       Task       |Version|     Metric     |Value|   |Stderr|\n" +
            "|------------------|------:|----------------|----:|---|-----:|\n" +
            "|all               |       |extractive_match|  0.4|±  |0.1633|\n" +
            "|lighteval:aime24:0|      1|extractive_match|  0.4|±  |0.1633|\n\n", log);
    }

    [Fact]
    public void ShardsMergedGiveTheFilesOfOneRun()
    {
        var single = Assert.Single(Run("single", ShardSpec.Whole, 3).Results);
        foreach (var i in new[] { 0, 1, 2 })
        {
            var shard = Run($"shard{i}", new ShardSpec(i, 3), batchSize: 2);
            Assert.True(shard.Completed);
            Assert.Empty(shard.Results); // a shard alone reports nothing
        }
        var merged = Assert.Single(TaskShardMerge.Merge(
            [Path.Combine(_dir, "shard2"), Path.Combine(_dir, "shard0"), Path.Combine(_dir, "shard1")], Path.Combine(_dir, "merged")));

        Assert.Equal(Path.GetFileName(single.LogFile), Path.GetFileName(merged.LogFile));
        Assert.Equal(File.ReadAllText(single.ResultsFile), File.ReadAllText(merged.ResultsFile));
        Assert.Equal(File.ReadAllText(single.DetailsFile), File.ReadAllText(merged.DetailsFile));
        Assert.Equal(File.ReadAllText(single.LogFile), File.ReadAllText(merged.LogFile));
    }

    [Fact]
    public void MergeRefusesAMissingShard()
    {
        Run("shard0", new ShardSpec(0, 2), 1);
        var e = Assert.Throws<SlotSharpException>(() => TaskShardMerge.Merge([Path.Combine(_dir, "shard0")], Path.Combine(_dir, "merged")));
        Assert.Contains("each shard is needed exactly once", e.Message);
    }

    [Fact]
    public void ARerunResumesWithoutCallingTheEngineAgain()
    {
        Run("single", ShardSpec.Whole, 4);
        var docs = Docs();
        var engine = new TaskFakeEngine(docs.ToDictionary(d => d.Index, d => d.Gold));
        var again = Run("single", ShardSpec.Whole, 4, engine);
        Assert.Empty(engine.Calls);
        Assert.Equal(0.4, Assert.Single(again.Results).Metrics.Value, 15);
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    public void ShardSpecParses(string text, int i, int n) => Assert.Equal(new ShardSpec(i, n), ShardSpec.Parse(text));

    [Theory]
    [InlineData("3/3")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void BadShardSpecsAreRefused(string text) => Assert.Throws<SlotSharpException>(() => ShardSpec.Parse(text));

    [Fact]
    public void ShardsPartitionTheSamples()
    {
        var all = Enumerable.Range(0, 3).SelectMany(i => new ShardSpec(i, 3).Samples(10)).Order();
        Assert.Equal(Enumerable.Range(1, 10), all);
        Assert.Equal([2, 5, 8], new ShardSpec(1, 3).Samples(10));
    }
}
