using System.Security.Cryptography;
using System.Text;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// lighteval's files, for any task: a journal per setting (and shard), and once the whole task is scored (not a
/// shard) the results JSON, the details JSONL and the log named as SLOT's vllm/logs name theirs
/// (<see cref="TaskReport"/>); a finished sweep also gets a plot of the metric against SLOT steps.
/// </summary>
public sealed class LightevalOutput : ITaskOutput<TaskSettingResult>
{
    sealed class SettingFiles(SlotSetting setting, IEvalTask task, ShardSpec shard, TaskOutputPaths paths, TaskJournal journal)
        : ISettingOutput<TaskSettingResult>
    {
        public SlotSetting Setting { get; } = setting;
        public string JournalPath => journal.Path;
        public bool IsDone(int sample) => journal.Records.ContainsKey(sample);
        public int Done => journal.Records.Count;
        public int Correct => journal.Records.Values.Count(r => r.Score > 0);
        public int FormatCorrect => 0;

        public void Record(int sample, TaskDocument doc, EvalCompletion c, AnswerScore score, double elapsed) => journal.Append(new()
        {
            Sample = sample, DatasetIndex = doc.Index, Id = doc.Id, FullPrompt = c.PromptText, Prediction = c.Text,
            Gold = doc.Gold, ExtractedGold = score.ExtractedGold, ExtractedPrediction = score.ExtractedPrediction,
            Score = score.Correct ? 1 : 0, SlotLosses = c.SlotLosses, PromptTokens = c.PromptTokens,
            GeneratedTokens = c.GeneratedTokens, PrefillSeconds = c.Timings.PrefillSeconds,
            SlotSeconds = c.Timings.SlotSeconds, DecodeSeconds = c.Timings.DecodeSeconds, ElapsedSeconds = elapsed,
        });

        // A shard's results only exist once `slot eval merge` has every shard.
        public TaskSettingResult? Finish(bool completed) => completed && shard.IsWhole
            ? TaskReport.Write(task, journal.Header, paths, journal.Records.Values.ToList())
            : null;

        public void Dispose() => journal.Dispose();
    }

    public ISettingOutput<TaskSettingResult> Open(TaskRunPlan plan, SlotSetting setting)
    {
        var o = plan.Options;
        var g = o.Generation;
        var header = new EvalRunHeader
        {
            Format = EvalRunHeader.TaskFormat, Task = o.Task.Name, ModelPath = o.ModelPath, Data = o.DataLabel, DataSha256 = Fingerprint(plan.Selected),
            Limit = o.Limit, Seed = o.Seed, Times = setting.TimesText, Lr = setting.LrText,
            DoSample = g.DoSample, Temperature = g.Temperature, TopP = g.TopP, MaxNewTokens = g.MaxNewTokens,
            MaxModelLength = g.MaxModelLength, SampleCount = plan.Selected.Count,
            ShardIndex = o.Shard.Index, ShardCount = o.Shard.Count,
        };
        var paths = TaskOutputPaths.For(o.OutputDirectory, o.Task.Name, o.ModelPath, setting);
        return new SettingFiles(setting, o.Task, o.Shard, paths, TaskJournal.OpenOrCreate(paths.Journal(o.Shard), header));
    }

    public string SaveSweepPlot(TaskRunPlan plan, IReadOnlyList<TaskSettingResult> reports)
    {
        var o = plan.Options;
        var plot = TaskOutputPaths.SweepPlot(o.OutputDirectory, o.Task.Name, o.Settings);
        SweepPlot.Save(plot, reports.Select(r => new SweepPoint(r.Setting.TimesText, r.Setting.LrText, r.Metrics.Value,
            r.Metrics.Stderr ?? 0)).ToList(), $"{o.Task.ResultsKey} ({plan.Selected.Count} problems): " +
            TaskOutputPaths.ModelName(o.ModelPath), o.Task.MetricName);
        return plot;
    }

    /// <summary>SHA-256 over the evaluated documents' ids, prompts and golds (so shards of one run agree).</summary>
    internal static string Fingerprint(IReadOnlyList<TaskDocument> documents)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in documents)
            foreach (var part in new[] { d.Id, d.Instruction, d.Gold })
            {
                sha.AppendData(Encoding.UTF8.GetBytes(part));
                sha.AppendData([0]);
            }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
