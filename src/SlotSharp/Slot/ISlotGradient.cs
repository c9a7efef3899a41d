namespace SlotSharp.Slot;

/// <summary>
/// One prompt's SLOT state: evaluates loss (and gradient) at the current delta and applies optimizer steps.
/// <see cref="SlotLoop"/> drives it, so the fast and reference paths share the step/stop bookkeeping.
/// </summary>
internal interface ISlotGradient : IDisposable
{
    /// <summary>Loss at the current delta; when <paramref name="withGradient"/>, also fills <paramref name="gradient"/> (d).</summary>
    double Evaluate(bool withGradient, double[] gradient);

    /// <summary>Applies step <paramref name="k"/> (1-based) using the gradient from the last evaluation.</summary>
    void Step(int k, double[] gradient);

    /// <summary>Current delta as float64 (a copy).</summary>
    double[] GetDelta();

    void SetDelta(double[] delta);

    /// <summary>
    /// b = W float32(delta) for the current delta when the engine already computed it in its last evaluation (the fast
    /// path's u), else null; the caller takes the array. Saves one pass over W.
    /// </summary>
    float[]? TakeLogitBias();
}
