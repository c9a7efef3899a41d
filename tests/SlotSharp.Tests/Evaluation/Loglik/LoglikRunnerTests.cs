using System.Text.Json.Nodes;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Loglik;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>
/// The runner on the ARC fixture's three documents with a fake model whose log-likelihoods are a hand-written table,
/// so the metrics, stderr and table are computed by hand: results, details, log, shards merged byte for byte, resume,
/// the sweep's plots and the selection mode's choice.
/// </summary>
public sealed class LoglikRunnerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-loglik-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Continuation -> log-likelihood; held-out loss = times-dependent table; every call recorded.</summary>
    sealed class TableModel(Func<SlotSetting, double>? heldOut = null) : ILoglikModel
    {
        // Document 1 (gold 2): lls -10, -9, -8.5, -12 -> pred 2; / len 32, 35, 35, 39 -> -0.3125, -0.257, -0.243, -0.308 -> 2.
        // Document 2 (gold 1): lls -3, -3.05, -4 -> pred 0; / len 12, 11, 13 -> -0.25, -0.277, -0.308 -> 0.
        // Document 3 (gold 0): lls -5.4, -5, -7, -12, -5.5 -> pred 1; / len 6, 4, 6, 11, 4 -> -0.9, -1.25, -1.17, -1.09, -1.375 -> 0.
        static readonly Dictionary<string, double> Lls = new()
        {
            [" Planetary density will decrease."] = -10, [" Planetary years will become longer."] = -9,
            [" Planetary days will become shorter."] = -8.5, [" Planetary gravity will become stronger."] = -12,
            [" condensation"] = -3, [" evaporation"] = -3.05, [" precipitation"] = -4,
            [" volume"] = -5.4, [" mass"] = -5, [" length"] = -7, [" temperature"] = -12, [" time"] = -5.5,
        };

        public List<(int Requests, int Settings, int HeldOut)> Calls { get; } = [];

        public IReadOnlyList<IReadOnlyList<LoglikScore>> Score(IReadOnlyList<LoglikRequest> batch, IReadOnlyList<SlotSetting> settings, int heldOut = 0)
        {
            Calls.Add((batch.Count, settings.Count, heldOut));
            return batch.Select(r => (IReadOnlyList<LoglikScore>)settings.Select(s => new LoglikScore(
                Lls[r.Continuation] - s.Times * 0.001 * r.Continuation.Length, true, 10, 3, [], new EvalTimings(0, 0, 0))
            { HeldOutLoss = heldOut > 0 ? heldOutLoss!(s) : null }).ToList()).ToList();
        }

        readonly Func<SlotSetting, double>? heldOutLoss = heldOut;
    }

    LoglikRunResult Run(string folder, ShardSpec shard, int batch, ILoglikModel? model = null, IReadOnlyList<SlotSetting>? settings = null,
        int? select = null) =>
        new LoglikRunner(model ?? new TableModel(), new LoglikRunOptions
        {
            Task = LoglikTask.ByName("arc_challenge"),
            Documents = LoglikTask.ByName("arc_challenge").Load(LoglikFixtures.Rows("arc_challenge")),
            ModelPath = "models/Tiny-Model",
            DataLabel = "fixture",
            Settings = settings ?? [new SlotSetting("0", "0.1")],
            Shard = shard,
            BatchSize = batch,
            OutputDirectory = Path.Combine(_dir, folder),
            SelectHeldOut = select,
        }).Run();

    [SkippableFact]
    public void AccAndAccNormAreTheHandComputedMeansWithLightevalsStderrAndTable()
    {
        var r = Assert.Single(Run("single", ShardSpec.Whole, 2).Reports);
        // acc = [1, 0, 0]: mean 1/3, stderr sqrt((4/9 + 1/9 + 1/9) / 2) / sqrt(3) = 1/3; acc_norm = [1, 0, 1]: 2/3, 1/3.
        Assert.Equal(1.0 / 3, r.Metrics[0].Value.Value, 15);
        Assert.Equal(1.0 / 3, r.Metrics[0].Value.Stderr!.Value, 12);
        Assert.Equal(("acc_norm", 2.0 / 3), (r.Metrics[1].Metric, r.Metrics[1].Value.Value));
        Assert.Equal(1.0 / 3, r.Metrics[1].Value.Stderr!.Value, 12);
        const string table =
            "|          Task         |Version| Metric |Value |   |Stderr|\n" +
            "|-----------------------|------:|--------|-----:|---|-----:|\n" +
            "|all                    |       |acc     |0.3333|±  |0.3333|\n" +
            "|                       |       |acc_norm|0.6667|±  |0.3333|\n" +
            "|lm_eval:arc_challenge:0|      1|acc     |0.3333|±  |0.3333|\n" +
            "|                       |       |acc_norm|0.6667|±  |0.3333|\n";
        Assert.Equal(table, r.Table);
        Assert.EndsWith("\n" + table + "\n", File.ReadAllText(r.LogFile));
        Assert.Equal("arc_challenge-Tiny-Model-0-0.1-0.3333.log", Path.GetFileName(r.LogFile));

        var results = JsonNode.Parse(File.ReadAllText(r.ResultsFile))!;
        Assert.Equal(2.0 / 3, (double)results["results"]!["lm_eval|arc_challenge|0"]!["acc_norm"]!);
        Assert.Equal(12, (int)results["summary_tasks"]!["lm_eval|arc_challenge|0"]!["requests"]!);
        var details = File.ReadAllLines(r.DetailsFile).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(["Mercury_7175875", "NYSEDREGENTS_2015_8_23", "Mercury_SC_401169"], details.Select(d => (string)d["id"]!));
        Assert.Equal([2, 0, 1], details.Select(d => (int)d["pred"]!));
        Assert.Equal("Question: Which process  moves water   from a lake to the air?\nAnswer:", (string)details[1]["full_prompt"]!);
        Assert.Equal([-3, -3.05, -4], details[1]["loglikelihoods"]!.AsArray().Select(x => (double)x!));
    }

    [SkippableFact]
    public void ShardsMergedGiveTheFilesOfOneRun()
    {
        var single = Assert.Single(Run("single", ShardSpec.Whole, 3).Reports);
        foreach (var i in new[] { 0, 1 })
        {
            var shard = Run($"shard{i}", new ShardSpec(i, 2), batch: 1);
            Assert.True(shard.Completed);
            Assert.Empty(shard.Reports);
        }
        var merged = Assert.Single(TaskShardMerge.MergeAll([Path.Combine(_dir, "shard1"), Path.Combine(_dir, "shard0")],
            Path.Combine(_dir, "merged")).Loglik);
        Assert.Equal(Path.GetFileName(single.LogFile), Path.GetFileName(merged.LogFile));
        Assert.Equal(File.ReadAllText(single.ResultsFile), File.ReadAllText(merged.ResultsFile));
        Assert.Equal(File.ReadAllText(single.DetailsFile), File.ReadAllText(merged.DetailsFile));
        Assert.Equal(File.ReadAllText(single.LogFile), File.ReadAllText(merged.LogFile));
    }

    [SkippableFact]
    public void ARerunResumesWithoutCallingTheModelAgain()
    {
        Run("single", ShardSpec.Whole, 1);
        var model = new TableModel();
        var again = Assert.Single(Run("single", ShardSpec.Whole, 1, model).Reports);
        Assert.Empty(model.Calls);
        Assert.Equal(1.0 / 3, again.Acc.Value, 15);
    }

    [SkippableFact]
    public void ASweepScoresEverySettingInOneCallAndPlotsEachMetric()
    {
        var model = new TableModel();
        var result = Run("sweep", ShardSpec.Whole, 3, model, [new SlotSetting("0", "0.1"), new SlotSetting("2", "0.1")]);
        Assert.Equal([(12, 2, 0)], model.Calls); // the three documents' twelve choices under both settings at once
        Assert.Equal(2, result.Reports.Count);
        Assert.Equal(["sweep_arc_challenge_times_0,2_lr_0.1.png", "sweep_arc_challenge_times_0,2_lr_0.1_acc_norm.png"],
            result.SweepPlotFiles.Select(Path.GetFileName));
        Assert.All(result.SweepPlotFiles, f => Assert.True(new FileInfo(f).Length > 0));
    }

    [SkippableFact]
    public void SelectionScoresEachRequestUnderTheSettingWithTheLowestHeldOutLoss()
    {
        // Held-out loss 2, 1, 3 for times 0, 2, 4: times 2 wins every request; its lls are the table's minus 0.002 per character.
        var model = new TableModel(s => s.Times switch { 0 => 2.0, 2 => 1.0, _ => 3.0 });
        SlotSetting[] settings = [new("0", "0.1"), new("2", "0.1"), new("4", "0.1")];
        var r = Assert.Single(Run("select", ShardSpec.Whole, 3, model, settings, select: 4).Reports);
        Assert.Equal([(12, 3, 4)], model.Calls);
        Assert.Equal(("heldout:4", "0,2,4", "0.1,0.1,0.1"), (r.Select, r.Times, r.Lr));
        Assert.Equal("arc_challenge-Tiny-Model-select_heldout_4-0,2,4-0.1,0.1,0.1-0.3333.log", Path.GetFileName(r.LogFile));
        var details = File.ReadAllLines(r.DetailsFile).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.All(details, d => Assert.All(d["selected"]!.AsArray(), s => Assert.Equal("times=2 lr=0.1", (string)s!)));
        Assert.Equal(-3 - 0.002 * " condensation".Length, (double)details[1]["loglikelihoods"]![0]!, 12);

        // Every candidate's own accuracy comes from the same journal: the shifts of -0.002 and -0.004 per character
        // move no argmax here (checked by hand), so each scores acc 1/3 and acc_norm 2/3; times 2 was chosen for all 12.
        var log = File.ReadAllText(r.LogFile);
        Assert.Contains("Sample 2 (NYSEDREGENTS_2015_8_23): times=2 lr=0.1; times=2 lr=0.1; times=2 lr=0.1\n", log);
        Assert.Contains("Candidate times=0 lr=0.1: chosen 0 times, acc 0.3333, acc_norm 0.6667\n" +
                        "Candidate times=2 lr=0.1: chosen 12 times, acc 0.3333, acc_norm 0.6667\n" +
                        "Candidate times=4 lr=0.1: chosen 0 times, acc 0.3333, acc_norm 0.6667\n", log);
        var selection = JsonNode.Parse(File.ReadAllText(r.ResultsFile))!["selection"]!;
        Assert.Equal("heldout:4", (string)selection["mode"]!);
        Assert.Equal([0, 12, 0], selection["candidates"]!.AsArray().Select(c => (int)c!["chosen"]!));
        Assert.Equal(["sweep_arc_challenge_select_heldout_4_times_0,2,4_lr_0.1,0.1,0.1.png",
            "sweep_arc_challenge_select_heldout_4_times_0,2,4_lr_0.1,0.1,0.1_acc_norm.png"], r.Plots.Select(Path.GetFileName));
        Assert.All(r.Plots, f => Assert.True(new FileInfo(f).Length > 0));
    }
}
