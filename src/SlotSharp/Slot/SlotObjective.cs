namespace SlotSharp.Slot;

/// <summary>
/// The loss and gradient forms of the two original code paths, given log p(y_t) of the n = T-1 shifted positions.
/// Both gradients are c * (colsum_t softmax(z_t) - counts(y)) W, only the constant c differs.
/// </summary>
internal static class SlotObjective
{
    /// <summary>The vLLM runner's guard constant, added inside the log and to the divisor.</summary>
    public const double VllmGuard = 1e-10;

    public static double Loss(SlotOptimizerKind kind, ReadOnlySpan<double> logProbOfTarget)
    {
        int n = logProbOfTarget.Length;
        double sum = 0;
        if (kind == SlotOptimizerKind.Vllm)
        {
            // -sum log(probs[y] + 1e-10) / (n + 1e-10), as written in model_runner.py.
            foreach (var lp in logProbOfTarget) sum += Math.Log(Math.Exp(lp) + VllmGuard);
            return -sum / (n + VllmGuard);
        }
        foreach (var lp in logProbOfTarget) sum += lp;
        return -sum / n; // nn.CrossEntropyLoss(reduction="mean")
    }

    /// <summary>
    /// c such that g = c * (colsum(P) - counts) W. HF: the mean-CE gradient, c = 1/n. vLLM: G = (P - onehot)/(n + 1e-10),
    /// then the mean over rows of G W, so c = 1/((n + 1e-10) n): the gradient is averaged twice.
    /// </summary>
    public static double GradientScale(SlotOptimizerKind kind, int n) =>
        kind == SlotOptimizerKind.Vllm ? 1.0 / ((n + VllmGuard) * n) : 1.0 / n;
}
