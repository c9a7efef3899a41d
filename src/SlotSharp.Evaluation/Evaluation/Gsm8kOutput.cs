using System.Text.Json;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation;

/// <summary>
/// The files of SLOT's GSM8K script, under &lt;output&gt;/logs: per setting the original's text log (grown one
/// sample at a time, rebuilt in sample order at the end), the results journal and, once every sample is done, the
/// summary JSON; a finished sweep also gets the accuracy and format-accuracy plot. GSM8K runs are not sharded.
/// </summary>
public sealed class Gsm8kOutput(string split) : ITaskOutput<EvalSummary>
{
    sealed class SettingFiles(SlotSetting setting, EvalOutputPaths paths, ResultsJournal journal) : ISettingOutput<EvalSummary>
    {
        public SlotSetting Setting { get; } = setting;
        public string JournalPath => journal.Path;
        public bool IsDone(int sample) => journal.Records.ContainsKey(sample);
        public int Done => journal.Records.Count;
        public int Correct => journal.Records.Values.Count(r => r.Correct);
        public int FormatCorrect => journal.Records.Values.Count(r => r.Format);

        public void Record(int sample, TaskDocument doc, EvalCompletion c, AnswerScore score, double elapsed)
        {
            var record = new EvalSampleRecord
            {
                Sample = sample, DatasetIndex = doc.Index, Question = doc.Instruction, Response = c.Text,
                Answer = doc.Gold, Extracted = score.ExtractedPrediction.Count > 0 ? score.ExtractedPrediction[^1] : null,
                Correct = score.Correct, Format = score.FormatCorrect,
                SlotLosses = c.SlotLosses, PromptTokens = c.PromptTokens, GeneratedTokens = c.GeneratedTokens,
                PrefillSeconds = c.Timings.PrefillSeconds, SlotSeconds = c.Timings.SlotSeconds,
                DecodeSeconds = c.Timings.DecodeSeconds, ElapsedSeconds = elapsed,
            };
            journal.Append(record);
            Gsm8kLogWriter.Append(paths.LogFile, Gsm8kLogWriter.Sample(record));
        }

        public EvalSummary Finish(bool completed)
        {
            var records = journal.Records.Values.OrderBy(r => r.Sample).ToList();
            // The final log is rebuilt from the journal so it is in sample order whatever happened before.
            Gsm8kLogWriter.Write(paths.LogFile, Gsm8kLogWriter.Full(journal.Header, records));
            var summary = EvalSummary.From(Setting, records, paths.LogFile, paths.ResultsFile);
            if (completed) WriteAtomically(paths.SummaryFile, JsonSerializer.Serialize(summary, EvalJson.Indented) + "\n");
            return summary;
        }

        public void Dispose() => journal.Dispose();
    }

    public ISettingOutput<EvalSummary> Open(TaskRunPlan plan, SlotSetting setting)
    {
        var o = plan.Options;
        if (!o.Shard.IsWhole) throw new SlotSharpException($"GSM8K runs are not sharded (shard {o.Shard} requested)");
        var header = new EvalRunHeader
        {
            Format = EvalRunHeader.Gsm8kFormat, ModelPath = o.ModelPath, Data = o.DataLabel,
            DataSha256 = Fingerprint(o.Documents), Split = split,
            EvalSamples = o.Limit, Seed = o.Seed, Times = setting.TimesText, Lr = setting.LrText,
            DoSample = o.Generation.DoSample, Temperature = o.Generation.Temperature,
            MaxNewTokens = o.Generation.MaxNewTokens, SampleCount = plan.Selected.Count,
        };
        var paths = EvalOutputPaths.For(o.OutputDirectory, setting);
        var journal = ResultsJournal.OpenOrCreate(paths.ResultsFile, header);
        foreach (var r in journal.Records.Values)
        {
            var expected = plan.Selected[r.Sample - 1];
            if (r.DatasetIndex != expected.Index)
            {
                journal.Dispose();
                throw new SlotSharpException($"{paths.ResultsFile}: sample {r.Sample} is dataset row {r.DatasetIndex}, " +
                                             $"but this run selects row {expected.Index} there");
            }
        }
        // Restart the live log from what is already journaled; later samples are appended as they finish.
        Gsm8kLogWriter.Write(paths.LogFile, Gsm8kLogWriter.Full(header, journal.Records.Values));
        return new SettingFiles(setting, paths, journal);
    }

    public string SaveSweepPlot(TaskRunPlan plan, IReadOnlyList<EvalSummary> reports)
    {
        var o = plan.Options;
        var plot = EvalOutputPaths.SweepPlot(o.OutputDirectory, o.Settings);
        SweepPlot.Save(plot, reports, $"GSM8K {split} ({plan.Selected.Count} samples): {Path.GetFileName(o.ModelPath.TrimEnd('/'))}");
        return plot;
    }

    /// <summary>SHA-256 of the whole split's questions and answers (<see cref="Gsm8kDataset.Fingerprint(IReadOnlyList{Gsm8kItem})"/>),
    /// so the same data under another path still resumes.</summary>
    static string Fingerprint(IReadOnlyList<TaskDocument> documents) => Gsm8kDataset.Fingerprint(documents.Select(d =>
        (d.Instruction, d.Solution ?? throw new SlotSharpException($"GSM8K document {d.Id} has no answer text to fingerprint"))));

    static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
