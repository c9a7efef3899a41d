namespace SlotSharp.Generation;

/// <summary>
/// Decoding settings. Temperature 0 (the default) is greedy: argmax, the first index on ties. Otherwise
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

    public bool Greedy => Temperature <= 0;

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new SlotSharpException($"--max-new-tokens must be >= 0, got {MaxNewTokens}");
        if (double.IsNaN(Temperature) || Temperature < 0) throw new SlotSharpException($"--temperature must be >= 0, got {Temperature}");
        if (TopK < 0) throw new SlotSharpException($"--top-k must be >= 0, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new SlotSharpException($"--top-p must be in (0, 1], got {TopP}");
        if (!(RepetitionPenalty > 0) || !double.IsFinite(RepetitionPenalty))
            throw new SlotSharpException($"--repetition-penalty must be a finite number > 0, got {RepetitionPenalty}");
    }
}
