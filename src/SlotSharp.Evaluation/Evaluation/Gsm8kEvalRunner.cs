using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation;

/// <summary>
/// SLOT's GSM8K evaluation with its original files: <see cref="EvalRunner"/> running <see cref="Gsm8kTask"/> with
/// <see cref="Gsm8kOutput"/>. Kept so callers written before GSM8K joined the shared runner keep their one-line form.
/// <paramref name="clock"/> times the engine calls (default: the system clock; tests pass a fake one).
/// </summary>
internal sealed class Gsm8kEvalRunner(IEvalModel engine, Gsm8kRunOptions options, TimeProvider? clock = null)
{
    public Gsm8kRunResult Run(Action<EvalProgress>? onProgress = null, CancellationToken cancel = default)
    {
        var (run, output) = options.ToTaskRun();
        var r = new EvalRunner(engine, run, clock).Run(output, onProgress, cancel);
        return new Gsm8kRunResult(r.Reports, r.SweepPlotFile, r.Completed);
    }
}
