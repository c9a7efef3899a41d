namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// lighteval's corpus-level aggregation of a 0/1 metric: the mean, and its standard error as lighteval's
/// mean_stderr computes it, sqrt(sum((x - mean)^2) / (n - 1)) / sqrt(n) (sample standard deviation over sqrt(n)).
/// lighteval writes no stderr for a single sample (n - 1 = 0), so neither do we.
/// </summary>
public sealed record TaskMetrics(int Samples, double Value, double? Stderr)
{
    internal static TaskMetrics From(IReadOnlyCollection<double> scores)
    {
        int n = scores.Count;
        if (n == 0) return new TaskMetrics(0, 0, null);
        // Summed in order, as Python's sum() does, so the value is bit-identical to lighteval's.
        double sum = 0;
        foreach (var x in scores) sum += x;
        double mean = sum / n;
        if (n == 1) return new TaskMetrics(1, mean, null);
        double squares = 0;
        foreach (var x in scores) squares += (x - mean) * (x - mean);
        return new TaskMetrics(n, mean, Math.Sqrt(squares / (n - 1)) / Math.Sqrt(n));
    }
}
