using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>One vocabulary entry's logit bias b_v = (W delta)_v.</summary>
public readonly record struct TokenBias(long Id, float Bias);

/// <summary>The tokens SLOT pushes up and down the most (for `slot ... --explain`).</summary>
public sealed record SlotBiasExplanation(IReadOnlyList<TokenBias> Raised, IReadOnlyList<TokenBias> Lowered)
{
    /// <summary>Top-<paramref name="k"/> largest biases (descending) and top-<paramref name="k"/> smallest (ascending).</summary>
    public static SlotBiasExplanation Explain(Tensor bias, int k)
    {
        if (bias.dim() != 1) throw new SlotSharpException($"SLOT explain: the logit bias must be a V-vector (got shape [{string.Join(", ", bias.shape)}])");
        if (k < 0) throw new SlotSharpException($"SLOT explain: k must be >= 0 (got {k})");
        using var scope = NewDisposeScope();
        int kk = (int)Math.Min(k, bias.shape[0]);
        var b = bias.to(float32, CPU);
        return new SlotBiasExplanation(Top(b, kk, largest: true), Top(b, kk, largest: false));
    }

    static List<TokenBias> Top(Tensor b, int k, bool largest)
    {
        var (values, indices) = b.topk(k, largest: largest, sorted: true);
        var v = values.data<float>().ToArray();
        var i = indices.data<long>().ToArray();
        return [.. v.Select((value, j) => new TokenBias(i[j], value))];
    }
}
