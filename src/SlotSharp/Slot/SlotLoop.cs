namespace SlotSharp.Slot;

/// <summary>
/// The optimization loop shared by all engines: record losses and norms, stop on non-finite values. It advances one
/// optimizer step at a time (<see cref="Advance"/>; the final loss is evaluated with the last step), so a caller can
/// interleave other work between steps (<see cref="SlotStage"/>); <see cref="Run"/> runs it to the end, checking the
/// token before every step, so a cancelled request stops within one step.
/// </summary>
internal sealed class SlotLoop(ISlotEngine engine, int times, int hiddenSize)
{
    public sealed record Outcome(double[] Delta, List<double> Losses, List<double> DeltaNorms, string? StopReason);

    readonly List<double> _losses = new(times + 1);
    readonly List<double> _norms = new(times);
    readonly double[] _grad = new double[hiddenSize];
    int _next = 1;

    /// <summary>Set once the loop has ended (all steps run, or stopped early); null before.</summary>
    public Outcome? Result { get; private set; }

    public bool Done => Result != null;

    public static Outcome Run(ISlotEngine engine, int times, int hiddenSize, CancellationToken cancel = default)
    {
        var loop = new SlotLoop(engine, times, hiddenSize);
        while (!loop.Done)
        {
            cancel.ThrowIfCancellationRequested();
            loop.Advance();
        }
        return loop.Result!;
    }

    /// <summary>Optimizer step k (1-based), then, after the last one, the loss at the final delta.</summary>
    public void Advance()
    {
        if (Done) throw new InvalidOperationException("the SLOT loop has ended");
        int k = _next++;
        if (k <= times && TryStep(k) is { } stop)
        {
            Result = new Outcome(engine.GetDelta(), _losses, _norms, stop);
            return;
        }
        if (k < times) return;
        _losses.Add(engine.Evaluate(withGradient: false, _grad));
        Result = new Outcome(engine.GetDelta(), _losses, _norms, null);
    }

    /// <summary>One step; returns why the loop must stop (the delta of step k - 1 is kept), else null.</summary>
    string? TryStep(int k)
    {
        double loss = engine.Evaluate(withGradient: true, _grad);
        _losses.Add(loss);
        if (!double.IsFinite(loss)) return $"loss became non-finite ({loss}) before step {k}; kept the delta of step {k - 1}";
        if (!AllFinite(_grad)) return $"gradient became non-finite before step {k}; kept the delta of step {k - 1}";

        var previous = engine.GetDelta();
        engine.Step(k, _grad);
        var delta = engine.GetDelta();
        if (!AllFinite(delta))
        {
            engine.SetDelta(previous);
            return $"delta became non-finite at step {k}; kept the delta of step {k - 1}";
        }
        _norms.Add(Norm(delta));
        return null;
    }

    /// <summary>Finite as the float32 the delta is handed out as (a float64 value beyond float.MaxValue would become inf).</summary>
    static bool AllFinite(double[] values)
    {
        foreach (var v in values) if (!(Math.Abs(v) <= float.MaxValue)) return false;
        return true;
    }

    static double Norm(double[] values)
    {
        double s = 0;
        foreach (var v in values) s += v * v;
        return Math.Sqrt(s);
    }
}
