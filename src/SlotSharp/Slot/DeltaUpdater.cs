namespace SlotSharp.Slot;

/// <summary>
/// One Adam-family update of the d-vector delta, done in float64 on the host (d is small; float64 keeps the
/// bias-corrected ratio m_hat / (sqrt(v_hat) + eps) from amplifying rounding of tiny gradient components).
/// </summary>
internal abstract class DeltaUpdater
{
    private protected readonly SlotHyperParameters Hp;
    private protected readonly double[] M;
    private protected readonly double[] V;

    protected DeltaUpdater(SlotHyperParameters hp, int size)
    {
        Hp = hp;
        M = new double[size];
        V = new double[size];
    }

    public static DeltaUpdater Create(SlotHyperParameters hp, int size) => hp.Optimizer switch
    {
        SlotOptimizerKind.AdamW => new HfAdamWUpdater(hp, size),
        SlotOptimizerKind.Vllm => new VllmAdamUpdater(hp, size),
        _ => throw new SlotSharpException($"SLOT option 'optimizer' has an unknown value {(int)hp.Optimizer}"),
    };

    /// <summary>Step <paramref name="k"/> (1-based) with gradient <paramref name="g"/>; updates <paramref name="delta"/> in place.</summary>
    public abstract void Step(int k, double[] delta, ReadOnlySpan<double> g);

    protected void UpdateMoments(ReadOnlySpan<double> g)
    {
        for (int i = 0; i < g.Length; i++)
        {
            M[i] = Hp.Beta1 * M[i] + (1 - Hp.Beta1) * g[i];
            V[i] = Hp.Beta2 * V[i] + (1 - Hp.Beta2) * g[i] * g[i];
        }
    }
}

/// <summary>torch 1.13 AdamW: decoupled decay first, then delta -= lr * m_hat / (sqrt(v_hat) + eps).</summary>
internal sealed class HfAdamWUpdater(SlotHyperParameters hp, int size) : DeltaUpdater(hp, size)
{
    public override void Step(int k, double[] delta, ReadOnlySpan<double> g)
    {
        double decay = 1 - Hp.Lr * Hp.WeightDecay;
        UpdateMoments(g);
        double bc1 = 1 - Math.Pow(Hp.Beta1, k), bc2 = 1 - Math.Pow(Hp.Beta2, k);
        for (int i = 0; i < delta.Length; i++)
        {
            double mHat = M[i] / bc1, vHat = V[i] / bc2;
            delta[i] = delta[i] * decay - Hp.Lr * mHat / (Math.Sqrt(vHat) + Hp.Eps);
        }
    }
}

/// <summary>The vLLM runner's Adam: p = p - lr*m_hat/(sqrt(v_hat)+eps) - lr*wd*p, the decay using p before the step.</summary>
internal sealed class VllmAdamUpdater(SlotHyperParameters hp, int size) : DeltaUpdater(hp, size)
{
    public override void Step(int k, double[] delta, ReadOnlySpan<double> g)
    {
        UpdateMoments(g);
        double bc1 = 1 - Math.Pow(Hp.Beta1, k), bc2 = 1 - Math.Pow(Hp.Beta2, k);
        for (int i = 0; i < delta.Length; i++)
        {
            double mHat = M[i] / bc1, vHat = V[i] / bc2;
            double update = Hp.Lr * mHat / (Math.Sqrt(vHat) + Hp.Eps);
            delta[i] = delta[i] - update - Hp.Lr * Hp.WeightDecay * delta[i];
        }
    }
}
