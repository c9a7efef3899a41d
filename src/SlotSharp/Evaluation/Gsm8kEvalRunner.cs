using System.Text.Json;

namespace SlotSharp.Evaluation;

/// <summary>
/// Runs SLOT's GSM8K evaluation: selects the samples, sends them to the engine in batches (every setting of a
/// sweep in the same call), scores them, journals each finished sample, and writes the original-format text log,
/// a summary JSON per setting and, for sweeps, an accuracy-versus-iterations plot. Rerunning with the same
/// options resumes from the journals; results are the same for any batch size.
/// <paramref name="clock"/> times the engine calls (default: the system clock; tests pass a fake one).
/// </summary>
public sealed class Gsm8kEvalRunner(IEvalEngine engine, Gsm8kRunOptions options, TimeProvider? clock = null)
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    sealed class SettingState(SlotSetting setting, EvalOutputPaths paths, ResultsJournal journal) : EvalBatchLoop.ISettingState
    {
        public SlotSetting Setting { get; } = setting;
        public EvalOutputPaths Paths { get; } = paths;
        public ResultsJournal Journal { get; } = journal;
        public int Correct => Journal.Records.Values.Count(r => r.Correct);
        public int FormatCorrect => Journal.Records.Values.Count(r => r.Format);
        public bool IsDone(int sample) => Journal.Records.ContainsKey(sample);
        public long SessionTokens;
        public double SessionSeconds;
    }

    public Gsm8kRunResult Run(Action<EvalProgress>? onProgress = null, CancellationToken cancel = default)
    {
        if (options.Settings.Count == 0) throw new SlotSharpException("no SLOT setting to evaluate");
        if (options.Settings.Distinct().Count() != options.Settings.Count)
            throw new SlotSharpException("the same times/lr combination is listed twice");
        if (options.BatchSize < 1) throw new SlotSharpException($"--batch-size must be >= 1, got {options.BatchSize}");

        var selected = Gsm8kDataset.Select(options.Rows, options.EvalSamples, options.Seed);
        var fingerprint = Gsm8kDataset.Fingerprint(options.Rows);
        using var outputLock = EvalOutputLock.Acquire(options.OutputDirectory);
        var states = new List<SettingState>();
        try
        {
            foreach (var setting in options.Settings)
                states.Add(Open(setting, selected, fingerprint));
            bool completed = Evaluate(selected, states, onProgress, cancel);
            var summaries = new List<EvalSummary>();
            foreach (var s in states)
            {
                var records = s.Journal.Records.Values.OrderBy(r => r.Sample).ToList();
                // The final log is rebuilt from the journal so it is in sample order whatever happened before.
                Gsm8kLogWriter.Write(s.Paths.LogFile, Gsm8kLogWriter.Full(s.Journal.Header, records));
                var summary = EvalSummary.From(s.Setting, records, s.Paths.LogFile, s.Paths.ResultsFile);
                summaries.Add(summary);
                if (completed) WriteAtomically(s.Paths.SummaryFile, JsonSerializer.Serialize(summary, EvalJson.Indented) + "\n");
            }
            string? plot = null;
            if (completed && options.Settings.Count > 1)
            {
                plot = EvalOutputPaths.SweepPlot(options.OutputDirectory, options.Settings);
                SweepPlot.Save(plot, summaries, $"GSM8K {options.Split} ({selected.Count} samples): {Path.GetFileName(options.ModelPath.TrimEnd('/'))}");
            }
            return new Gsm8kRunResult(summaries, plot, completed);
        }
        finally
        {
            foreach (var s in states) s.Journal.Dispose();
        }
    }

    SettingState Open(SlotSetting setting, IReadOnlyList<Gsm8kItem> selected, string fingerprint)
    {
        var header = new EvalRunHeader
        {
            ModelPath = options.ModelPath, Data = options.DataLabel, DataSha256 = fingerprint, Split = options.Split,
            EvalSamples = options.EvalSamples, Seed = options.Seed, Times = setting.TimesText, Lr = setting.LrText,
            DoSample = options.Generation.DoSample, Temperature = options.Generation.Temperature,
            MaxNewTokens = options.Generation.MaxNewTokens, SampleCount = selected.Count,
        };
        var paths = EvalOutputPaths.For(options.OutputDirectory, setting);
        var journal = ResultsJournal.OpenOrCreate(paths.ResultsFile, header);
        foreach (var r in journal.Records.Values)
        {
            var expected = selected[r.Sample - 1];
            if (r.DatasetIndex != expected.Index)
            {
                journal.Dispose();
                throw new SlotSharpException($"{paths.ResultsFile}: sample {r.Sample} is dataset row {r.DatasetIndex}, " +
                                             $"but this run selects row {expected.Index} there");
            }
        }
        // Restart the live log from what is already journaled; later samples are appended as they finish.
        Gsm8kLogWriter.Write(paths.LogFile, Gsm8kLogWriter.Full(header, journal.Records.Values));
        return new SettingState(setting, paths, journal);
    }

    bool Evaluate(IReadOnlyList<Gsm8kItem> selected, List<SettingState> states, Action<EvalProgress>? onProgress,
        CancellationToken cancel) =>
        EvalBatchLoop.Run(engine, Enumerable.Range(1, selected.Count), options.BatchSize, states,
            sample => Prompt(selected[sample - 1]), options.Generation, (state, sample, completion, perCompletion) =>
            {
                var record = Score(sample, selected[sample - 1], completion, perCompletion);
                state.Journal.Append(record);
                Gsm8kLogWriter.Append(state.Paths.LogFile, Gsm8kLogWriter.Sample(record));
                state.SessionTokens += record.GeneratedTokens;
                state.SessionSeconds += perCompletion;
                onProgress?.Invoke(new EvalProgress(state.Setting, state.Journal.Records.Count, selected.Count,
                    state.Correct, state.FormatCorrect, state.SessionTokens, state.SessionSeconds));
            }, cancel, _clock);

    /// <summary>
    /// Splits one engine call's wall time over its completions in proportion to the time the engine measured for
    /// each (prefill share + SLOT + decode), so a setting that decodes longer is charged more and the shares still
    /// add up to the wall time (tokenization and other unmeasured work is spread the same way). The engine splits a
    /// prompt's one prefill equally over the settings of a sweep. Equal shares when the engine measured nothing.
    /// </summary>
    EvalPrompt Prompt(Gsm8kItem item) =>
        new(item.Index, Gsm8kPrompt.Messages(item.Question), Gsm8kPrompt.SamplingSeed(options.Seed, item.Index));

    static EvalSampleRecord Score(int sample, Gsm8kItem item, EvalCompletion c, double elapsed) => new()
    {
        Sample = sample, DatasetIndex = item.Index, Question = item.Question, Response = c.Text,
        Answer = item.GroundTruth, Extracted = Gsm8kScoring.LastNumber(c.Text),
        Correct = Gsm8kScoring.IsAnswerCorrect(c.Text, item.GroundTruth), Format = Gsm8kScoring.IsFormatCorrect(c.Text),
        SlotLosses = c.SlotLosses, PromptTokens = c.PromptTokens, GeneratedTokens = c.GeneratedTokens,
        PrefillSeconds = c.Timings.PrefillSeconds, SlotSeconds = c.Timings.SlotSeconds,
        DecodeSeconds = c.Timings.DecodeSeconds, ElapsedSeconds = elapsed,
    };

    static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
