namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// lm-evaluation-harness's process_results for multiple_choice: pred = argmax(lls), pred_norm = argmax(lls /
/// completion_len) with completion_len the length in characters of each doc_to_choice string (for Winogrande the
/// contexts, as there), acc = pred == gold, acc_norm = pred_norm == gold. np.argmax takes the first maximum.
/// </summary>
internal sealed record ChoiceScore(int Pred, int PredNorm, double Acc, double AccNorm)
{
    public static ChoiceScore Of(IReadOnlyList<double> loglikelihoods, IReadOnlyList<string> choices, int gold)
    {
        if (loglikelihoods.Count != choices.Count || choices.Count == 0)
            throw new ArgumentException($"{loglikelihoods.Count} log-likelihoods for {choices.Count} choices");
        int pred = ArgMax(loglikelihoods);
        int predNorm = ArgMax(loglikelihoods.Select((ll, i) => ll / PythonText.Length(choices[i])).ToList());
        return new ChoiceScore(pred, predNorm, pred == gold ? 1 : 0, predNorm == gold ? 1 : 0);
    }

    /// <summary>numpy's argmax: the first maximum, and the first NaN if there is one (NaN compares as the largest).</summary>
    internal static int ArgMax(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i])) return i;
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    /// <summary>The metric's per-document value by name (acc, acc_norm).</summary>
    public double Metric(string name) => name switch
    {
        "acc" => Acc,
        "acc_norm" => AccNorm,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
    };
}
