using System.Security.Cryptography;
using System.Text;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>Everything a task run needs besides the engine.</summary>
public sealed record TaskRunOptions
{
    public required IEvalTask Task { get; init; }
    /// <summary>All documents of the dataset, in dataset order (the task's Load).</summary>
    public required IReadOnlyList<TaskDocument> Documents { get; init; }
    /// <summary>Model path as given (recorded in the results and compared on resume).</summary>
    public required string ModelPath { get; init; }
    /// <summary>What the data argument said (a file, folder or Hub id); informational.</summary>
    public required string DataLabel { get; init; }
    /// <summary>One setting, or every combination of a sweep.</summary>
    public required IReadOnlyList<SlotSetting> Settings { get; init; }
    public required EvalGeneration Generation { get; init; }
    /// <summary>Evaluate only the first N documents of the task's evaluation order (lighteval's max_samples); null: all.</summary>
    public int? Limit { get; init; }
    /// <summary>Seeds each document's sampling (mixed with its row, so batching and sharding change nothing).</summary>
    public long Seed { get; init; } = 1234;
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;
    /// <summary>Prompts per engine call.</summary>
    public int BatchSize { get; init; } = 1;
    public string OutputDirectory { get; init; } = ".";
}

/// <summary>What a run produced: per setting, its results when this run finished the whole task (not a shard).</summary>
/// <param name="SweepPlotFile">Accuracy versus SLOT steps per learning rate, for a finished sweep of several settings.</param>
public sealed record TaskRunResult(IReadOnlyList<TaskSettingResult> Results, IReadOnlyList<string> Journals, bool Completed,
    string? SweepPlotFile = null);

/// <summary>
/// Runs any <see cref="IEvalTask"/>: selects the documents (the first Limit in the task's evaluation order, then this
/// shard's slice), sends them to the
/// engine in batches (every setting of a sweep in the same call), scores each completion with the task, journals it,
/// and, when the whole task is done, writes the results, details and log (<see cref="TaskReport"/>). Rerunning with the
/// same options resumes from the journals; results do not depend on batch size or sharding.
/// </summary>
public sealed class TaskEvalRunner(IEvalEngine engine, TaskRunOptions options)
{
    sealed class SettingState(SlotSetting setting, TaskOutputPaths paths, TaskJournal journal) : EvalBatchLoop.ISettingState
    {
        public SlotSetting Setting { get; } = setting;
        public TaskOutputPaths Paths { get; } = paths;
        public TaskJournal Journal { get; } = journal;
        public bool IsDone(int sample) => Journal.Records.ContainsKey(sample);
        public int Correct => Journal.Records.Values.Count(r => r.Score > 0);
        public long SessionTokens;
        public double SessionSeconds;
    }

    public TaskRunResult Run(Action<EvalProgress>? onProgress = null, CancellationToken cancel = default)
    {
        if (options.Settings.Count == 0) throw new SlotSharpException("no SLOT setting to evaluate");
        if (options.Settings.Distinct().Count() != options.Settings.Count)
            throw new SlotSharpException("the same times/lr combination is listed twice");
        if (options.Limit is < 1) throw new SlotSharpException($"limit must be >= 1, got {options.Limit}");
        // Two runs appending to one folder's journals would interleave their lines: refuse the second.
        using var outputLock = EvalOutputLock.Acquire(options.OutputDirectory);

        var ordered = options.Task.EvaluationOrder(options.Documents);
        var selected = options.Limit is { } n ? ordered.Take(n).ToList() : ordered;
        var fingerprint = Fingerprint(selected);
        var samples = options.Shard.Samples(selected.Count).ToList();
        var states = new List<SettingState>();
        try
        {
            foreach (var setting in options.Settings) states.Add(Open(setting, selected.Count, fingerprint));
            bool completed = EvalBatchLoop.Run(engine, samples, options.BatchSize, states, s => Prompt(selected[s - 1]),
                options.Generation, (state, sample, completion, perCompletion) =>
                {
                    var record = Score(sample, selected[sample - 1], completion, perCompletion);
                    state.Journal.Append(record);
                    state.SessionTokens += record.GeneratedTokens;
                    state.SessionSeconds += perCompletion;
                    onProgress?.Invoke(new EvalProgress(state.Setting, samples.Count(state.IsDone), samples.Count,
                        state.Correct, 0, state.SessionTokens, state.SessionSeconds));
                }, cancel);
            var results = completed && options.Shard.IsWhole
                ? states.Select(s => TaskReport.Write(options.Task, s.Journal.Header, s.Paths, s.Journal.Records.Values.ToList())).ToList()
                : [];
            string? plot = null;
            if (results.Count > 1)
            {
                plot = TaskOutputPaths.SweepPlot(options.OutputDirectory, options.Task.Name, options.Settings);
                SweepPlot.Save(plot, results.Select(r => new SweepPoint(r.Setting.TimesText, r.Setting.LrText, r.Metrics.Value,
                    r.Metrics.Stderr ?? 0)).ToList(), $"{options.Task.ResultsKey} ({selected.Count} problems): " +
                    TaskOutputPaths.ModelName(options.ModelPath), options.Task.MetricName);
            }
            return new TaskRunResult(results, states.Select(s => s.Journal.Path).ToList(), completed, plot);
        }
        finally
        {
            foreach (var s in states) s.Journal.Dispose();
        }
    }

    SettingState Open(SlotSetting setting, int sampleCount, string fingerprint)
    {
        var g = options.Generation;
        var header = new TaskRunHeader
        {
            Task = options.Task.Name, ModelPath = options.ModelPath, Data = options.DataLabel, DataSha256 = fingerprint,
            Limit = options.Limit, Seed = options.Seed, Times = setting.TimesText, Lr = setting.LrText,
            DoSample = g.DoSample, Temperature = g.Temperature, TopP = g.TopP, MaxNewTokens = g.MaxNewTokens,
            MaxModelLength = g.MaxModelLength, SampleCount = sampleCount,
            ShardIndex = options.Shard.Index, ShardCount = options.Shard.Count,
        };
        var paths = TaskOutputPaths.For(options.OutputDirectory, options.Task.Name, options.ModelPath, setting);
        return new SettingState(setting, paths, TaskJournal.OpenOrCreate(paths.Journal(options.Shard), header));
    }

    EvalPrompt Prompt(TaskDocument doc)
    {
        var prompt = options.Task.Prompt(doc);
        return new EvalPrompt(doc.Index, prompt.Messages, Gsm8kPrompt.SamplingSeed(options.Seed, doc.Index), prompt.AddSpecialTokens);
    }

    TaskSampleRecord Score(int sample, TaskDocument doc, EvalCompletion c, double elapsed)
    {
        var score = options.Task.Score(doc, c.Text);
        return new TaskSampleRecord
        {
            Sample = sample, DatasetIndex = doc.Index, Id = doc.Id, FullPrompt = c.PromptText, Prediction = c.Text,
            Gold = doc.Gold, ExtractedGold = score.ExtractedGold, ExtractedPrediction = score.ExtractedPrediction,
            Score = score.Correct ? 1 : 0, SlotLosses = c.SlotLosses, PromptTokens = c.PromptTokens,
            GeneratedTokens = c.GeneratedTokens, PrefillSeconds = c.Timings.PrefillSeconds,
            SlotSeconds = c.Timings.SlotSeconds, DecodeSeconds = c.Timings.DecodeSeconds, ElapsedSeconds = elapsed,
        };
    }

    /// <summary>SHA-256 over the evaluated documents' ids, prompts and golds (so shards of one run agree).</summary>
    public static string Fingerprint(IReadOnlyList<TaskDocument> documents)
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
