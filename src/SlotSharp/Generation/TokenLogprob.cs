namespace SlotSharp.Generation;

/// <summary>
/// One token's log-probability under the model that chose it: the log-softmax of the model's logits plus the request's
/// SLOT bias (the adapted model is the model), before temperature, penalties, a caller's logit bias and top-k/top-p,
/// as vLLM reports them by default. <see cref="Top"/> holds the most likely tokens at that position, most likely
/// first (ties by lower id), as many as the request asked for.
/// </summary>
public sealed record TokenLogprob(int TokenId, double Logprob, IReadOnlyList<TopLogprob> Top);

/// <summary>One of the most likely tokens at a position.</summary>
public readonly record struct TopLogprob(int TokenId, double Logprob);

/// <summary>The arithmetic of <see cref="TokenLogprob"/>: one pass over V floats for the log-normalizer, one for the top.</summary>
internal static class Logprobs
{
    /// <summary>The most alternatives a request may ask for per position (OpenAI's and vLLM's cap).</summary>
    public const int MaxTop = 20;

    /// <summary>
    /// log softmax(<paramref name="scores"/> + <paramref name="bias"/>)[<paramref name="token"/>] and the
    /// <paramref name="top"/> best, in double. The sum <c>scores[v] + bias[v]</c> is taken in float, as the decoder adds
    /// the bias, so a reported value belongs to exactly the logits a token was chosen from.
    /// </summary>
    public static TokenLogprob Of(ReadOnlySpan<float> scores, ReadOnlySpan<float> bias, int token, int top) =>
        Of(Measure(scores, bias, top), scores, bias, token);

    /// <summary>The position's log-normalizer and best tokens, before the token is known (the decoder measures, then samples).</summary>
    public static Distribution Measure(ReadOnlySpan<float> scores, ReadOnlySpan<float> bias, int top)
    {
        double max = double.NegativeInfinity;
        for (int v = 0; v < scores.Length; v++)
        {
            double x = Biased(scores, bias, v);
            if (x > max) max = x;
        }
        double sum = 0;
        for (int v = 0; v < scores.Length; v++) sum += Math.Exp(Biased(scores, bias, v) - max);
        double logZ = max + Math.Log(sum);
        var best = Best(scores, bias, Math.Min(top, scores.Length));
        var tops = new TopLogprob[best.Length];
        for (int i = 0; i < best.Length; i++) tops[i] = new TopLogprob(best[i], Biased(scores, bias, best[i]) - logZ);
        return new Distribution(logZ, tops);
    }

    public static TokenLogprob Of(Distribution d, ReadOnlySpan<float> scores, ReadOnlySpan<float> bias, int token) =>
        new(token, Biased(scores, bias, token) - d.LogNormalizer, d.Top);

    static float Biased(ReadOnlySpan<float> scores, ReadOnlySpan<float> bias, int v) => bias.IsEmpty ? scores[v] : scores[v] + bias[v];

    /// <summary>What a position's log-probabilities need besides the token: log sum exp and the best tokens.</summary>
    public sealed record Distribution(double LogNormalizer, IReadOnlyList<TopLogprob> Top);

    /// <summary>The ids of the k largest values, largest first, lower id first on ties (a k-slot insertion list: k is at most 20).</summary>
    static int[] Best(ReadOnlySpan<float> scores, ReadOnlySpan<float> bias, int k)
    {
        if (k <= 0) return [];
        var ids = new int[k];
        var values = new float[k];
        int filled = 0;
        for (int v = 0; v < scores.Length; v++)
        {
            float x = bias.IsEmpty ? scores[v] : scores[v] + bias[v];
            if (float.IsNaN(x)) continue;
            if (filled == k && !(x > values[k - 1])) continue; // equal values keep the earlier (lower) id
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && x > values[at - 1]) { values[at] = values[at - 1]; ids[at] = ids[at - 1]; at--; }
            values[at] = x; ids[at] = v;
        }
        return filled == k ? ids : ids[..filled];
    }
}
