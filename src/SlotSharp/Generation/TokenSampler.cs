namespace SlotSharp.Generation;

/// <summary>Chooses the next token from one row of float32 logits (greedy or temperature / min-p / top-k / top-p sampling).</summary>
internal sealed class TokenSampler(GenerationOptions options)
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
        // Unnormalised probabilities w = exp(logit / T - max) over the whole vocabulary: O(V).
        int vocab = logits.Length;
        var scaled = new double[vocab];
        double max = double.NegativeInfinity;
        for (int i = 0; i < vocab; i++) { scaled[i] = logits[i] / options.Temperature; if (scaled[i] > max) max = scaled[i]; }
        var w = new double[vocab];
        for (int i = 0; i < vocab; i++) w[i] = Math.Exp(scaled[i] - max);

        // transformers' TopKLogitsWarper removes logits strictly below the k-th largest: ties with it stay.
        double floor = options.TopK > 0 && options.TopK < vocab ? KthLargest(scaled, options.TopK) : double.NegativeInfinity;
        // vLLM's min_p, applied before top-k and top-p: w is p / p_max, so p < min_p * p_max is w < min_p. Both filters
        // keep the largest scores, so their order does not matter; top-p then renormalises over what both kept.
        double minP = options.MinP;
        bool Kept(int i) => scaled[i] >= floor && w[i] >= minP;
        double total = 0;
        for (int i = 0; i < vocab; i++) if (Kept(i)) total += w[i];

        if (options.TopP >= 1.0)
        {
            // No nucleus: draw straight from the (top-k) distribution, no sort needed.
            double target = _random.NextDouble() * total, acc = 0;
            int last = -1;
            for (int i = 0; i < vocab; i++)
            {
                if (!Kept(i)) continue;
                acc += w[i]; last = i;
                if (target < acc) return i;
            }
            return last;
        }

        // TopPLogitsWarper keeps the smallest descending prefix whose mass reaches top_p. Only tokens with w >= tau can
        // be in it once the mass of those tokens reaches top_p (every other token has at least that mass before it),
        // so sort just them: exact, and a handful of tokens instead of the vocabulary.
        var candidates = new List<int>();
        for (double tau = 0.1; ; tau *= 0.1)
        {
            candidates.Clear();
            double mass = 0;
            for (int i = 0; i < vocab; i++)
                if (Kept(i) && (w[i] >= tau || tau < 1e-300)) { candidates.Add(i); mass += w[i]; }
            if (mass / total >= options.TopP || tau < 1e-300) break;
        }
        candidates.Sort((a, b) => scaled[b].CompareTo(scaled[a]) is var c && c != 0 ? c : a.CompareTo(b));

        double cumulative = 0;
        int keep = 0;
        while (keep < candidates.Count) { cumulative += w[candidates[keep++]] / total; if (cumulative >= options.TopP) break; }
        double kept = 0;
        for (int i = 0; i < keep; i++) kept += w[candidates[i]];
        double u = _random.NextDouble() * kept, run = 0;
        for (int i = 0; i < keep; i++)
        {
            run += w[candidates[i]];
            if (u < run) return candidates[i];
        }
        return candidates[keep - 1];
    }

    /// <summary>The k-th largest value (a size-k min-heap: O(V log k)).</summary>
    static double KthLargest(double[] values, int k)
    {
        var heap = new PriorityQueue<double, double>(k);
        foreach (var v in values)
        {
            if (heap.Count < k) heap.Enqueue(v, v);
            else if (v > heap.Peek()) heap.EnqueueDequeue(v, v);
        }
        return heap.Peek();
    }
}
