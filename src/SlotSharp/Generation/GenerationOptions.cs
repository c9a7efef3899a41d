namespace SlotSharp.Generation;

/// <summary>
/// Decoding settings. Temperature 0 (the default, or anything below <see cref="GreedyBelowTemperature"/>) is greedy: argmax, the first index on ties. Otherwise
/// transformers' sampling order: temperature, then top-k, then top-p, then a draw from a seeded generator.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 128;
    public double Temperature { get; init; }
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>
    /// transformers' RepetitionPenaltyLogitsProcessor: every id already in the context (prompt and generated) has its
    /// logit divided by this when positive, multiplied when negative. 1 = off. Applied before sampling, greedy too.
    /// </summary>
    public double RepetitionPenalty { get; init; } = 1.0;
    /// <summary>Generation stops after emitting any of these ids (the id is kept in the output).</summary>
    public IReadOnlyCollection<int> StopIds { get; init; } = [];
    /// <summary>
    /// Lets the prompt plus <see cref="MaxNewTokens"/> run past the model's max_position_embeddings. Off by default:
    /// positions the model never saw in training degrade the output silently, so the caller has to ask for them.
    /// </summary>
    public bool AllowLongContext { get; init; }

    /// <summary>
    /// Temperatures below this decode greedily. Dividing float32 logits by a smaller one overflows them to infinity
    /// (1e-320 made every draw the last token id); at 1e-5 sampling already picks the argmax unless two logits lie
    /// within about 1e-3 of each other.
    /// </summary>
    public const double GreedyBelowTemperature = 1e-5;

    public bool Greedy => Temperature < GreedyBelowTemperature;

    /// <summary>Throws <see cref="ContextLengthException"/> when the prompt plus max_new_tokens exceeds <paramref name="maxPositions"/>, unless allowed.</summary>
    internal void CheckContextLength(int promptLength, int maxPositions)
    {
        if (!AllowLongContext && (long)promptLength + MaxNewTokens > maxPositions)
            throw new ContextLengthException(promptLength, MaxNewTokens, maxPositions);
    }

    /// <summary>Throws a message naming the bad setting; <paramref name="name"/> spells it for the caller
    /// (default: the CLI flag, e.g. "--top-p"; the HTTP server names its JSON field instead).</summary>
    public void Validate(Func<string, string>? name = null)
    {
        name ??= flag => "--" + flag;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (MaxNewTokens < 0) throw new SlotSharpException($"{name("max-new-tokens")} must be >= 0, got {MaxNewTokens}");
        if (double.IsNaN(Temperature) || Temperature < 0) throw new SlotSharpException($"{name("temperature")} must be >= 0, got {Temperature.ToString(inv)}");
        if (TopK < 0) throw new SlotSharpException($"{name("top-k")} must be >= 0, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new SlotSharpException($"{name("top-p")} must be in (0, 1], got {TopP.ToString(inv)}");
        if (!(RepetitionPenalty > 0) || !double.IsFinite(RepetitionPenalty))
            throw new SlotSharpException($"{name("repetition-penalty")} must be a finite number > 0, got {RepetitionPenalty.ToString(inv)}");
    }
}
