namespace SlotSharp.Evaluation.Tasks;

/// <summary>What a run produced: per setting, its results when this run finished the whole task (not a shard).</summary>
/// <param name="SweepPlotFile">Accuracy versus SLOT steps per learning rate, for a finished sweep of several settings.</param>
internal sealed record TaskRunResult(IReadOnlyList<TaskSettingResult> Results, IReadOnlyList<string> Journals, bool Completed,
    string? SweepPlotFile = null);

/// <summary>
/// A task run with lighteval's files: <see cref="EvalRunner"/> with <see cref="LightevalOutput"/>. Kept so callers
/// written before GSM8K joined the shared runner keep their one-line form.
/// </summary>
internal sealed class TaskEvalRunner(IEvalModel engine, TaskRunOptions options)
{
    public TaskRunResult Run(Action<EvalProgress>? onProgress = null, CancellationToken cancel = default)
    {
        var r = new EvalRunner(engine, options).Run(new LightevalOutput(), onProgress, cancel);
        return new TaskRunResult(r.Reports, r.Journals, r.Completed, r.SweepPlotFile);
    }
}
