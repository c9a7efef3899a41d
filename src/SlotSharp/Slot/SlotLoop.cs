namespace SlotSharp.Slot;

/// <summary>
/// The optimization loop shared by all engines: record losses and norms, stop on non-finite values. The token is
/// checked before every step, so a cancelled request stops within one step.
/// </summary>
internal static class SlotLoop
{
    public sealed record Outcome(double[] Delta, List<double> Losses, List<double> DeltaNorms, string? StopReason);

    public static Outcome Run(ISlotEngine engine, int times, int hiddenSize, CancellationToken cancel = default)
    {
        var losses = new List<double>(times + 1);
        var norms = new List<double>(times);
        var grad = new double[hiddenSize];
        for (int k = 1; k <= times; k++)
        {
            cancel.ThrowIfCancellationRequested();
            double loss = engine.Evaluate(withGradient: true, grad);
            losses.Add(loss);
            if (!double.IsFinite(loss))
                return new Outcome(engine.GetDelta(), losses, norms, $"loss became non-finite ({loss}) before step {k}; kept the delta of step {k - 1}");
            if (!AllFinite(grad))
                return new Outcome(engine.GetDelta(), losses, norms, $"gradient became non-finite before step {k}; kept the delta of step {k - 1}");

            var previous = engine.GetDelta();
            engine.Step(k, grad);
            var delta = engine.GetDelta();
            if (!AllFinite(delta))
            {
                engine.SetDelta(previous);
                return new Outcome(previous, losses, norms, $"delta became non-finite at step {k}; kept the delta of step {k - 1}");
            }
            norms.Add(Norm(delta));
        }
        losses.Add(engine.Evaluate(withGradient: false, grad));
        return new Outcome(engine.GetDelta(), losses, norms, null);
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
