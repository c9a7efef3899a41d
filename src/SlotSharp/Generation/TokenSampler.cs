namespace SlotSharp.Generation;

/// <summary>Chooses the next token from one row of float32 logits (greedy or temperature / top-k / top-p sampling).</summary>
public sealed class TokenSampler(GenerationOptions options)
{
    readonly Random _random = new(options.Seed);

    public int Next(ReadOnlySpan<float> logits) => options.Greedy ? ArgMax(logits) : Sample(logits);

    /// <summary>
    /// transformers' repetition penalty, in place: for each distinct id of <paramref name="context"/>,
    /// logit &lt; 0 ? logit * penalty : logit / penalty.
    /// </summary>
    public static void ApplyRepetitionPenalty(Span<float> logits, IEnumerable<int> context, double penalty)
    {
        if (penalty == 1.0) return;
        foreach (int id in context is ISet<int> set ? set : context.ToHashSet())
        {
            float v = logits[id];
            logits[id] = v < 0 ? (float)(v * penalty) : (float)(v / penalty);
        }
    }

    /// <summary>First index of the maximum (torch.argmax's tie rule); NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float bestValue = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
            if (logits[i] > bestValue) { bestValue = logits[i]; best = i; }
        return best;
    }

    int Sample(ReadOnlySpan<float> logits)
    {
        // Candidates sorted by logit, descending: sort the negated logits with their ids (a primitive-key sort is
        // several times faster than a comparison delegate over 152k entries).
        var order = new int[logits.Length];
        var keys = new double[logits.Length];
        for (int i = 0; i < order.Length; i++) { order[i] = i; keys[i] = -(logits[i] / options.Temperature); }
        Array.Sort(keys, order);
        var scaled = new double[logits.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = logits[i] / options.Temperature;

        int keep = order.Length;
        if (options.TopK > 0 && options.TopK < keep)
        {
            // transformers' TopKLogitsWarper removes logits strictly below the k-th largest: ties with it stay.
            double kth = scaled[order[options.TopK - 1]];
            keep = options.TopK;
            while (keep < order.Length && scaled[order[keep]] >= kth) keep++;
        }

        double max = scaled[order[0]];
        var probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) { probs[i] = Math.Exp(scaled[order[i]] - max); sum += probs[i]; }
        for (int i = 0; i < keep; i++) probs[i] /= sum;

        if (options.TopP < 1.0)
        {
            // TopPLogitsWarper: keep the smallest prefix whose mass reaches top_p (at least one token).
            double cumulative = 0;
            int n = 0;
            while (n < keep) { cumulative += probs[n++]; if (cumulative >= options.TopP) break; }
            keep = n;
            double kept = 0;
            for (int i = 0; i < keep; i++) kept += probs[i];
            for (int i = 0; i < keep; i++) probs[i] /= kept;
        }

        double u = _random.NextDouble(), acc = 0;
        for (int i = 0; i < keep; i++)
        {
            acc += probs[i];
            if (u < acc) return order[i];
        }
        return order[keep - 1];
    }
}
