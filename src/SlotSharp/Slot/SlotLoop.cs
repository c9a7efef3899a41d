namespace SlotSharp.Slot;

/// <summary>
/// The optimization loop shared by all engines: record losses and norms, stop on non-finite values. It advances one
/// optimizer step at a time (<see cref="Advance"/>; the final loss is evaluated with the last step), so a caller can
/// interleave other work between steps (<see cref="HostSlotStage"/>); <see cref="Run"/> runs it to the end, checking the
/// token before every step, so a cancelled request stops within one step.
/// </summary>
internal sealed class SlotLoop(ISlotGradient engine, int times, int hiddenSize)
{
    public sealed record Outcome(double[] Delta, List<double> Losses, List<double> DeltaNorms, string? StopReason);

    readonly List<double> _losses = new(times + 1);
    readonly List<double> _norms = new(times);
    readonly double[] _grad = new double[hiddenSize];
    int _next = 1;
    bool _finalLossDue;

    /// <summary>Set once the loop has ended (all steps run, or stopped early); null before.</summary>
    public Outcome? Result { get; private set; }

    public bool Done => Result != null;

    public static Outcome Run(ISlotGradient engine, int times, int hiddenSize, CancellationToken cancel = default)
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
        do Accept(engine.Evaluate(NextNeedsGradient, _grad));
        while (FinalLossDue);
    }

    /// <summary>
    /// Whether the evaluation due next is a step's (loss and gradient into <see cref="Gradient"/>) rather than the
    /// final loss alone. A caller that computes the evaluation itself (<see cref="SharedSlotStep"/>) hands
    /// the loss to <see cref="Accept"/>.
    /// </summary>
    public bool NextNeedsGradient
    {
        get
        {
            if (Done) throw new InvalidOperationException("the SLOT loop has ended");
            return !_finalLossDue;
        }
    }

    /// <summary>True after the last step's update, until the final loss is accepted: it belongs to the same <see cref="Advance"/>.</summary>
    public bool FinalLossDue => _finalLossDue && !Done;

    /// <summary>The buffer an external evaluation fills with the gradient before <see cref="Accept"/>.</summary>
    public double[] Gradient => _grad;

    /// <summary>Takes the evaluation due next (<see cref="NextNeedsGradient"/>): a step's loss with its gradient, or the final loss.</summary>
    public void Accept(double loss)
    {
        if (Done) throw new InvalidOperationException("the SLOT loop has ended");
        if (_finalLossDue)
        {
            _losses.Add(loss);
            Result = new Outcome(engine.GetDelta(), _losses, _norms, null);
            return;
        }
        int k = _next++;
        if (TakeStep(k, loss) is { } stop) Result = new Outcome(engine.GetDelta(), _losses, _norms, stop);
        else _finalLossDue = k == times;
    }

    /// <summary>One step from its evaluation; returns why the loop must stop (the delta of step k - 1 is kept), else null.</summary>
    string? TakeStep(int k, double loss)
    {
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
