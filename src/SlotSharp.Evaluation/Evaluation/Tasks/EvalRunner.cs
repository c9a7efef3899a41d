namespace SlotSharp.Evaluation.Tasks;

/// <summary>What a run produced.</summary>
/// <param name="Reports">Per setting, in settings order, what its output writer reported (a setting may report
/// nothing, e.g. a lighteval shard or an unfinished lighteval run).</param>
/// <param name="Journals">The journal of each setting.</param>
/// <param name="Completed">False when cancellation stopped the run between batches.</param>
/// <param name="SweepPlotFile">The plot of a finished sweep of several settings.</param>
public sealed record EvalRunResult<TReport>(IReadOnlyList<TReport> Reports, IReadOnlyList<string> Journals,
    bool Completed, string? SweepPlotFile);

/// <summary>
/// The one runner of every task (GSM8K, aime24, math_500, gpqa:diamond): selects the documents (the task's
/// <see cref="IEvalTask.Select"/>, then this shard's slice), sends them to the engine in batches (every setting of
/// a sweep in the same call), scores each completion with the task, hands it to the task's output writer to journal,
/// reports progress, and at the end lets the writer write each setting's files and the sweep plot. Rerunning with
/// the same options resumes from the journals; results do not depend on batch size or sharding.
/// <paramref name="clock"/> times the engine calls (default: the system clock; tests pass a fake one).
/// </summary>
public sealed class EvalRunner(IEvalModel engine, TaskRunOptions options, TimeProvider? clock = null)
{
    /// <summary>Generated tokens and wall seconds of one setting in this process (resumed samples excluded).</summary>
    sealed class Session
    {
        public long Tokens;
        public double Seconds;
    }

    public EvalRunResult<TReport> Run<TReport>(ITaskOutput<TReport> output, Action<EvalProgress>? onProgress = null,
        CancellationToken cancel = default) where TReport : class
    {
        if (options.Settings.Count == 0) throw new SlotSharpException("no SLOT setting to evaluate");
        if (options.Settings.Distinct().Count() != options.Settings.Count)
            throw new SlotSharpException("the same times/lr combination is listed twice");
        if (options.BatchSize < 1) throw new SlotSharpException($"batch size must be >= 1, got {options.BatchSize}");

        var plan = new TaskRunPlan(options, options.Task.Select(options.Documents, options.Limit, options.Seed));
        var samples = options.Shard.Samples(plan.Selected.Count).ToList();
        // Two runs appending to one folder's journals would interleave their lines: refuse the second.
        using var outputLock = EvalOutputLock.Acquire(options.OutputDirectory);
        var settings = new List<ISettingOutput<TReport>>();
        try
        {
            foreach (var setting in options.Settings) settings.Add(output.Open(plan, setting));
            var sessions = settings.ToDictionary(s => s, _ => new Session());
            bool completed = EvalBatchLoop.Run(engine, samples, options.BatchSize, settings, s => Prompt(plan.Selected[s - 1]),
                options.Generation, (state, sample, completion, share) =>
                {
                    var document = plan.Selected[sample - 1];
                    state.Record(sample, document, completion, options.Task.Score(document, completion.Text), share);
                    var session = sessions[state];
                    session.Tokens += completion.GeneratedTokens;
                    session.Seconds += share;
                    onProgress?.Invoke(new EvalProgress(state.Setting, state.Done, samples.Count, state.Correct,
                        state.FormatCorrect, session.Tokens, session.Seconds));
                }, cancel, clock);

            var reports = new List<TReport>();
            foreach (var s in settings)
                if (s.Finish(completed) is { } report) reports.Add(report);
            var plot = completed && settings.Count > 1 && reports.Count == settings.Count ? output.SaveSweepPlot(plan, reports) : null;
            return new EvalRunResult<TReport>(reports, settings.Select(s => s.JournalPath).ToList(), completed, plot);
        }
        finally
        {
            foreach (var s in settings) s.Dispose();
        }
    }

    EvalPrompt Prompt(TaskDocument document)
    {
        var prompt = options.Task.Prompt(document);
        return new EvalPrompt(document.Index, prompt.Messages, Gsm8kPrompt.SamplingSeed(options.Seed, document.Index),
            prompt.AddSpecialTokens);
    }
}
