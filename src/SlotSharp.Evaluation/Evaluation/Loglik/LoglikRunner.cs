using System.Security.Cryptography;
using System.Text;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>Everything a log-likelihood run needs besides the model.</summary>
internal sealed record LoglikRunOptions
{
    public required LoglikTask Task { get; init; }
    /// <summary>All documents of the dataset, in dataset order.</summary>
    public required IReadOnlyList<ChoiceDocument> Documents { get; init; }
    public required string ModelPath { get; init; }
    public required string DataLabel { get; init; }
    public required IReadOnlyList<SlotSetting> Settings { get; init; }
    /// <summary>lm-evaluation-harness's --limit (per subject for MMLU); null: all.</summary>
    public int? Limit { get; init; }
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;
    /// <summary>Documents per engine call (all their choices and settings in that call).</summary>
    public int BatchSize { get; init; } = 1;
    public string OutputDirectory { get; init; } = ".";
    /// <summary>
    /// Selection mode (heldout:M): every setting runs on each request with SLOT fitted on the context minus its last M
    /// tokens, and the request is scored under the setting whose fit predicts those M tokens best; one journal for
    /// the whole set of candidates. Null: each setting is its own run.
    /// </summary>
    public int? SelectHeldOut { get; init; }
}

/// <summary>What a log-likelihood run produced (reports only for a finished, unsharded run).</summary>
internal sealed record LoglikRunResult(IReadOnlyList<LoglikSettingResult> Reports, IReadOnlyList<string> Journals,
    bool Completed, IReadOnlyList<string> SweepPlotFiles);

/// <summary>
/// Runs a multiple-choice task: selects the documents (the task's order and limit, then this shard's slice), scores
/// every choice of a batch of documents under every setting in one model call, computes acc / acc_norm per document
/// and journals it; when every document is scored (and the run is not a shard) writes each setting's results,
/// details and log, and for a sweep one plot per metric. Reruns resume from the journals, as the lighteval tasks do.
/// </summary>
internal sealed class LoglikRunner(ILoglikModel model, LoglikRunOptions options, TimeProvider? clock = null)
{
    /// <summary>One journal of the run: a fixed setting, or (selection mode) the one journal of every candidate.</summary>
    sealed record Slot(string Times, string Lr, IReadOnlyList<SlotSetting> Settings, SlotSetting Progress);

    public LoglikRunResult Run(Action<EvalProgress>? onProgress = null, CancellationToken cancel = default)
    {
        if (options.Settings.Count == 0) throw new SlotSharpException("no SLOT setting to evaluate");
        if (options.Settings.Distinct().Count() != options.Settings.Count)
            throw new SlotSharpException("the same times/lr combination is listed twice");
        if (options.BatchSize < 1) throw new SlotSharpException($"batch size must be >= 1, got {options.BatchSize}");
        if (options.SelectHeldOut is < 1) throw new SlotSharpException($"the held-out token count must be >= 1, got {options.SelectHeldOut}");
        var task = options.Task;
        var selected = LoglikTask.Select(options.Documents, options.Limit);
        var samples = options.Shard.Samples(selected.Count).ToList();
        var slots = options.SelectHeldOut != null
            ? [new Slot(string.Join(",", options.Settings.Select(s => s.TimesText)), string.Join(",", options.Settings.Select(s => s.LrText)),
                options.Settings, SelectionLabel(options.Settings))]
            : options.Settings.Select(s => new Slot(s.TimesText, s.LrText, [s], s)).ToList();
        using var outputLock = EvalOutputLock.Acquire(options.OutputDirectory);
        var journals = new List<LoglikJournal>();
        try
        {
            foreach (var slot in slots) journals.Add(Open(selected, slot));
            var tokens = new long[journals.Count];
            var seconds = new double[journals.Count];
            clock ??= TimeProvider.System;
            bool completed = true;
            var pending = samples.Where(x => journals.Any(j => !j.Records.ContainsKey(x))).ToList();
            foreach (var chunk in pending.Chunk(options.BatchSize))
            {
                if (cancel.IsCancellationRequested) { completed = false; break; }
                var needed = Enumerable.Range(0, journals.Count).Where(k => chunk.Any(x => !journals[k].Records.ContainsKey(x))).ToList();
                var docs = chunk.Select(x => selected[x - 1]).ToList();
                var requests = docs.SelectMany(d => d.Requests).ToList();
                var settings = needed.SelectMany(k => slots[k].Settings).ToList();
                long started = clock.GetTimestamp();
                var scores = model.Score(requests, settings, options.SelectHeldOut ?? 0);
                double wall = clock.GetElapsedTime(started).TotalSeconds;
                if (scores.Count != requests.Count || scores.Any(s => s.Count != settings.Count))
                    throw new InvalidOperationException($"the model returned {scores.Count} scores for {requests.Count} requests");
                int offset = 0;
                for (int p = 0; p < docs.Count; p++)
                {
                    var doc = docs[p];
                    int column = 0;
                    foreach (int k in needed)
                    {
                        var slot = slots[k];
                        int first = column;
                        column += slot.Settings.Count;
                        if (journals[k].Records.ContainsKey(chunk[p])) continue;
                        var mine = Enumerable.Range(offset, doc.Requests.Count)
                            .Select(i => Choose(scores[i].Skip(first).Take(slot.Settings.Count).ToList(), slot.Settings)).ToList();
                        double share = wall / (docs.Count * needed.Count);
                        journals[k].Append(Record(chunk[p], doc, mine, share));
                        tokens[k] += mine.Sum(s => (long)s.ContextTokens + s.ContinuationTokens);
                        seconds[k] += share;
                        var j = journals[k];
                        onProgress?.Invoke(new EvalProgress(slot.Progress, j.Records.Count, samples.Count,
                            j.Records.Values.Count(r => r.Acc > 0), 0, tokens[k], seconds[k]));
                    }
                    offset += doc.Requests.Count;
                }
            }

            var reports = new List<LoglikSettingResult>();
            if (completed && options.Shard.IsWhole)
                for (int k = 0; k < journals.Count; k++)
                    reports.Add(LoglikReport.Write(task, journals[k].Header, Paths(options.OutputDirectory, journals[k].Header),
                        journals[k].Records.Values.ToList()));
            var plots = reports.Count > 1 && reports.Count == journals.Count ? SavePlots(selected.Count, reports) : [];
            return new LoglikRunResult(reports, journals.Select(j => j.Path).ToList(), completed, plots);
        }
        finally
        {
            foreach (var j in journals) j.Dispose();
        }
    }

    /// <summary>
    /// A fixed setting's score as it is; in selection mode the candidate with the lowest held-out loss (the first of
    /// equal ones, in the order the settings were given), labelled with its times and lr.
    /// </summary>
    LoglikScore Choose(IReadOnlyList<LoglikScore> candidates, IReadOnlyList<SlotSetting> settings)
    {
        if (options.SelectHeldOut == null) return candidates[0];
        int best = 0;
        for (int i = 1; i < candidates.Count; i++)
            if (candidates[i].HeldOutLoss < candidates[best].HeldOutLoss) best = i;
        return candidates[best] with
        {
            Selected = $"times={settings[best].TimesText} lr={settings[best].LrText}",
            CandidateLoglikelihoods = candidates.Select(c => c.Loglikelihood).ToList(),
            CandidateHeldOutLosses = candidates.Select(c => c.HeldOutLoss ?? throw new InvalidOperationException("the model reported no held-out loss")).ToList(),
        };
    }

    /// <summary>The setting the console's progress shows for a selection run: the first candidate's times and lr.</summary>
    internal static SlotSetting SelectionLabel(IReadOnlyList<SlotSetting> settings) => settings[0];

    /// <summary>A journal's files, from its header (so a merge finds the same names).</summary>
    internal static TaskOutputPaths Paths(string outputDirectory, EvalRunHeader h) =>
        TaskOutputPaths.For(outputDirectory, h.Task!, h.ModelPath, h.Times, h.Lr, h.SlotSelect);

    LoglikJournal Open(IReadOnlyList<ChoiceDocument> selected, Slot slot)
    {
        var header = new EvalRunHeader
        {
            Format = EvalRunHeader.TaskFormat, Task = options.Task.Name, ModelPath = options.ModelPath, Data = options.DataLabel,
            DataSha256 = Fingerprint(selected), Limit = options.Limit, Seed = 0, Times = slot.Times, Lr = slot.Lr,
            DoSample = false, Temperature = 0, TopP = 1, MaxNewTokens = 0, SampleCount = selected.Count,
            ShardIndex = options.Shard.Index, ShardCount = options.Shard.Count,
            SlotSelect = options.SelectHeldOut is { } m ? $"heldout:{m}" : null,
        };
        return LoglikJournal.OpenOrCreate(Paths(options.OutputDirectory, header).Journal(options.Shard), header);
    }

    internal static LoglikSampleRecord Record(int sample, ChoiceDocument doc, IReadOnlyList<LoglikScore> scores, double elapsed)
    {
        var lls = scores.Select(s => s.Loglikelihood).ToList();
        var score = ChoiceScore.Of(lls, doc.Choices, doc.Gold);
        return new LoglikSampleRecord
        {
            Sample = sample, DatasetIndex = doc.Index, Id = doc.Id,
            Contexts = doc.Requests.Select(r => r.Context).ToList(), Continuations = doc.Requests.Select(r => r.Continuation).ToList(),
            Choices = doc.Choices, Gold = doc.Gold, Loglikelihoods = lls, IsGreedy = scores.Select(s => s.IsGreedy).ToList(),
            Pred = score.Pred, PredNorm = score.PredNorm, Acc = score.Acc, AccNorm = score.AccNorm,
            ContextTokens = scores.Select(s => s.ContextTokens).ToList(), ContinuationTokens = scores.Select(s => s.ContinuationTokens).ToList(),
            SlotLosses = scores.Select(s => s.SlotLosses).ToList(), Selected = scores.Any(s => s.Selected != null) ? scores.Select(s => s.Selected ?? "").ToList() : null,
            CandidateLoglikelihoods = scores.All(s => s.CandidateLoglikelihoods != null) ? scores.Select(s => s.CandidateLoglikelihoods!).ToList() : null,
            CandidateHeldOutLosses = scores.All(s => s.CandidateHeldOutLosses != null) ? scores.Select(s => s.CandidateHeldOutLosses!).ToList() : null,
            PrefillSeconds = scores.Sum(s => s.Timings.PrefillSeconds), SlotSeconds = scores.Sum(s => s.Timings.SlotSeconds),
            ElapsedSeconds = elapsed,
        };
    }

    IReadOnlyList<string> SavePlots(int count, IReadOnlyList<LoglikSettingResult> reports)
    {
        var files = new List<string>();
        var o = options;
        var basePlot = TaskOutputPaths.SweepPlot(o.OutputDirectory, o.Task.Name, o.Settings);
        for (int m = 0; m < o.Task.Metrics.Count; m++)
        {
            var metric = o.Task.Metrics[m];
            var path = m == 0 ? basePlot : basePlot[..^4] + "_" + metric + ".png";
            SweepPlot.Save(path, reports.Select(r => new SweepPoint(r.Times, r.Lr, r.Metrics[m].Value.Value,
                r.Metrics[m].Value.Stderr ?? 0)).ToList(), $"{o.Task.ResultsKey} ({count} documents): " +
                TaskOutputPaths.ModelName(o.ModelPath), metric);
            files.Add(path);
        }
        return files;
    }

    /// <summary>SHA-256 over the evaluated documents' ids, requests and golds (so shards of one run agree).</summary>
    internal static string Fingerprint(IReadOnlyList<ChoiceDocument> documents)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in documents)
        {
            var parts = new List<string> { d.Id, d.Gold.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var r in d.Requests) { parts.Add(r.Context); parts.Add(r.Continuation); }
            foreach (var part in parts)
            {
                sha.AppendData(Encoding.UTF8.GetBytes(part));
                sha.AppendData([0]);
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
