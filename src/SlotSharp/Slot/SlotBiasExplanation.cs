namespace SlotSharp.Slot;

/// <summary>One vocabulary entry's logit bias b_v = (W delta)_v.</summary>
internal readonly record struct TokenBias(long Id, float Bias);

/// <summary>The tokens SLOT pushes up and down the most (for `slot ... --explain`).</summary>
internal sealed record SlotBiasExplanation(IReadOnlyList<TokenBias> Raised, IReadOnlyList<TokenBias> Lowered)
{
    /// <summary>Top-<paramref name="k"/> largest biases (descending) and top-<paramref name="k"/> smallest (ascending); ties go to the lower id.</summary>
    public static SlotBiasExplanation Explain(float[] bias, int k)
    {
        ArgumentNullException.ThrowIfNull(bias);
        if (k < 0) throw new SlotSharpException($"SLOT explain: k must be >= 0 (got {k})");
        var order = Enumerable.Range(0, bias.Length).ToArray();
        Array.Sort(order, (a, c) => bias[c].CompareTo(bias[a]) is var d and not 0 ? d : a.CompareTo(c)); // descending
        int kk = Math.Min(k, bias.Length);
        var raised = order.Take(kk).Select(i => new TokenBias(i, bias[i])).ToList();
        Array.Sort(order, (a, c) => bias[a].CompareTo(bias[c]) is var d and not 0 ? d : a.CompareTo(c)); // ascending
        var lowered = order.Take(kk).Select(i => new TokenBias(i, bias[i])).ToList();
        return new SlotBiasExplanation(raised, lowered);
    }
}
