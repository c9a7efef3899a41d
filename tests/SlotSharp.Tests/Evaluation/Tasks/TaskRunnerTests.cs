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

    TaskRunResult Run(string output, ShardSpec shard, int batchSize, TaskFakeModel? engine = null, double topP = 0.95)
    {
        var docs = Docs();
        engine ??= new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold));
        return new TaskEvalRunner(engine, new TaskRunOptions
        {
            Task = new Aime24Task(), Documents = docs, ModelPath = "/models/fake-model", DataLabel = "aime24",
            Settings = [new SlotSetting("1", "0.1")], Generation = LightevalTask.ReferenceGeneration with { TopP = topP }, Limit = 10,
            Shard = shard, BatchSize = batchSize, OutputDirectory = Path.Combine(_dir, output),
        }).Run();
    }

    // CPython: r = random.Random(); r.seed(42); r.shuffle(list(range(30))) -- lighteval's document order for aime24.
    static readonly int[] LightevalOrder = [19, 14, 10, 26, 22, 6, 5, 12, 11, 15, 9, 25, 29, 21, 16, 27, 1, 13, 18, 2, 17, 28, 4, 24, 7, 8, 23, 0, 3, 20];

    [SkippableFact]
    public void DocumentsRunInLightevalsSeed42ShuffleOrder() =>
        Assert.Equal(LightevalOrder, new Aime24Task().EvaluationOrder(Docs()).Select(d => d.Index));

    [SkippableFact]
    public void AWholeRunWritesResultsDetailsAndTheOriginalLogName()
    {
        var result = Run("single", ShardSpec.Whole, 4);
        Assert.True(result.Completed);
        var r = Assert.Single(result.Results);
        // The limit keeps rows 19, 14, 10, 26, 22, 6, 5, 12, 11, 15; the fake answers rows 6, 12 and 15 right.
        Assert.Equal(0.3, r.Metrics.Value, 15);
        Assert.Equal(Path.Combine(_dir, "single", "aime24-fake-model-1-0.1-0.3.log"), r.LogFile);

        var results = JsonNode.Parse(File.ReadAllText(r.ResultsFile))!;
        var scores = results["results"]!["lighteval|aime24|0"]!;
        Assert.Equal(0.3, (double)scores["extractive_match"]!, 15);
        Assert.Equal(Math.Sqrt(0.3 * 0.7 / 9), (double)scores["extractive_match_stderr"]!, 12);
        Assert.Equal(0.3, (double)results["results"]!["all"]!["extractive_match"]!, 15);
        Assert.Equal(1, (int)results["versions"]!["lighteval|aime24|0"]!);
        Assert.Equal(0.95, (double)results["config_general"]!["generation_parameters"]!["top_p"]!);

        var docs = Docs();
        var details = File.ReadAllLines(r.DetailsFile).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(10, details.Length);
        for (int i = 0; i < 10; i++)
        {
            var doc = docs[LightevalOrder[i]];
            Assert.Equal(doc.Id, (string)details[i]["id"]!);
            Assert.Equal(doc.Index, (int)details[i]["index"]!);
            Assert.Equal($"<|user|>{doc.Instruction}<|assistant|>", (string)details[i]["full_prompt"]!);
            Assert.Equal(TaskFakeModel.Completion(doc.Index, doc.Gold), (string)details[i]["prediction"]!);
            Assert.Equal(doc.Gold, (string)details[i]["gold"]!);
            Assert.Equal(doc.Index % 3 == 0 ? 1.0 : 0.0, (double)details[i]["extractive_match"]!);
            Assert.NotEmpty(details[i]["extracted_gold"]!.AsArray());
        }
        Assert.Empty(details[3]["extracted_prediction"]!.AsArray()); // row 26: "no idea" holds no number

        var log = File.ReadAllText(r.LogFile);
        Assert.StartsWith("Model Path: /models/fake-model\nTask: lighteval|aime24|0\n", log);
        Assert.EndsWith(
            "|       Task       |Version|     Metric     |Value|   |Stderr|\n" +
            "|------------------|------:|----------------|----:|---|-----:|\n" +
            "|all               |       |extractive_match|  0.3|±  |0.1528|\n" +
            "|lighteval:aime24:0|      1|extractive_match|  0.3|±  |0.1528|\n\n", log);
    }

    [SkippableFact]
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

    [SkippableFact]
    public void MergeRefusesAMissingShard()
    {
        Run("shard0", new ShardSpec(0, 2), 1);
        var e = Assert.Throws<SlotSharpException>(() => TaskShardMerge.Merge([Path.Combine(_dir, "shard0")], Path.Combine(_dir, "merged")));
        Assert.Contains("each shard is needed exactly once", e.Message);
    }

    [SkippableFact]
    public void ARerunResumesWithoutCallingTheEngineAgain()
    {
        Run("single", ShardSpec.Whole, 4);
        var docs = Docs();
        var engine = new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold));
        var again = Run("single", ShardSpec.Whole, 4, engine);
        Assert.Empty(engine.Calls);
        Assert.Equal(0.3, Assert.Single(again.Results).Metrics.Value, 15);
    }

    [SkippableFact]
    public void ACrashedRunResumesAndEndsWithTheSameFiles()
    {
        var single = Assert.Single(Run("single", ShardSpec.Whole, 3).Results);
        var docs = Docs();
        var crashing = new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold), crashAfterPrompts: 7);
        Assert.Throws<IOException>(() => Run("crashed", ShardSpec.Whole, 3, crashing));
        // Batches of 3: the first two (6 prompts) were journaled, the third died on its second prompt.
        Assert.Equal(7, File.ReadAllLines(Path.Combine(_dir, "crashed", "journal_aime24_times_1_lr_0.1.jsonl")).Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "crashed"), "*.log"));

        var engine = new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold));
        var resumed = Assert.Single(Run("crashed", ShardSpec.Whole, 3, engine).Results);
        Assert.Equal([[5, 12, 11], [15]], engine.Calls); // samples 7-9 and 10, as dataset rows
        Assert.Equal(File.ReadAllText(single.DetailsFile), File.ReadAllText(resumed.DetailsFile));
        Assert.Equal(File.ReadAllText(single.ResultsFile), File.ReadAllText(resumed.ResultsFile));
    }

    [SkippableFact]
    public void ASweepRunsEverySettingInOneEngineCallPerBatchAndPlotsThem()
    {
        var docs = Docs();
        var engine = new TaskFakeModel(docs.ToDictionary(d => d.Index, d => d.Gold));
        var result = new TaskEvalRunner(engine, new TaskRunOptions
        {
            Task = new Aime24Task(), Documents = docs, ModelPath = "fake-model", DataLabel = "aime24",
            Settings = [new SlotSetting("0", "0.1"), new SlotSetting("2", "0.1")], Generation = LightevalTask.ReferenceGeneration,
            Limit = 6, BatchSize = 6, OutputDirectory = Path.Combine(_dir, "sweep"),
        }).Run();
        Assert.Single(engine.Calls);
        // Rows 19, 14, 10, 26, 22, 6: only row 6 is answered right, 1/6 printed as round(1/6, 4).
        Assert.Equal(["aime24-fake-model-0-0.1-0.1667.log", "aime24-fake-model-2-0.1-0.1667.log"],
            result.Results.Select(r => Path.GetFileName(r.LogFile)));
        Assert.Equal(Path.Combine(_dir, "sweep", "sweep_aime24_times_0,2_lr_0.1.png"), result.SweepPlotFile);
        Assert.True(new FileInfo(result.SweepPlotFile!).Length > 1000);
    }

    [SkippableFact]
    public void AResumeWithOtherSettingsIsRefusedNamingTheField()
    {
        Run("single", ShardSpec.Whole, 4);
        var e = Assert.Throws<SlotSharpException>(() => Run("single", ShardSpec.Whole, 4, topP: 0.5));
        Assert.Contains("top_p: file has '0.95', this run has '0.5'", e.Message);
    }

    [SkippableTheory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    public void ShardSpecParses(string text, int i, int n) => Assert.Equal(new ShardSpec(i, n), ShardSpec.Parse(text));

    [SkippableTheory]
    [InlineData("3/3")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void BadShardSpecsAreRefused(string text) => Assert.Throws<SlotSharpException>(() => ShardSpec.Parse(text));

    [SkippableFact]
    public void ShardsPartitionTheSamples()
    {
        var all = Enumerable.Range(0, 3).SelectMany(i => new ShardSpec(i, 3).Samples(10)).Order();
        Assert.Equal(Enumerable.Range(1, 10), all);
        Assert.Equal([2, 5, 8], new ShardSpec(1, 3).Samples(10));
    }
}
