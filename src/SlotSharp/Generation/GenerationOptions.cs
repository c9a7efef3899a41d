namespace SlotSharp.Generation;

/// <summary>
/// Decoding settings. Temperature 0 (the default, or anything below <see cref="GreedyBelowTemperature"/>) is greedy: argmax, the first index on ties. Otherwise
/// vLLM's sampling order: temperature, then min-p, then top-k, then top-p, then a draw from a seeded generator. Before
/// either, the scores are adjusted in vLLM's order: <see cref="LogitBias"/>, the repetition penalty, then the frequency
/// and presence penalties; greedy takes the argmax of the adjusted scores.
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
    /// <summary>
    /// OpenAI's logit_bias: token id to a value in [-<see cref="MaxLogitBias"/>, <see cref="MaxLogitBias"/>] added to
    /// its logit (after SLOT's bias, before the penalties). -100 all but bans a token, +100 all but forces it.
    /// </summary>
    public IReadOnlyDictionary<int, double> LogitBias { get; init; } = new Dictionary<int, double>();
    /// <summary>OpenAI's frequency_penalty in [-2, 2]: logit -= value * (times the id was generated). 0 = off.</summary>
    public double FrequencyPenalty { get; init; }
    /// <summary>OpenAI's presence_penalty in [-2, 2]: logit -= value once the id was generated. 0 = off.</summary>
    public double PresencePenalty { get; init; }
    /// <summary>
    /// vLLM's min_p in [0, 1]: when sampling, tokens whose probability (after temperature) is below min_p times the
    /// most likely token's are dropped, before top-k and top-p. 0 = off; greedy is unaffected.
    /// </summary>
    public double MinP { get; init; }
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

    /// <summary>The largest |logit_bias| value, as OpenAI bounds it.</summary>
    public const double MaxLogitBias = 100;

    /// <summary>The largest |frequency_penalty| and |presence_penalty|, as OpenAI bounds them.</summary>
    public const double MaxPenalty = 2;

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
        if (!(Math.Abs(FrequencyPenalty) <= MaxPenalty))
            throw new SlotSharpException($"{name("frequency-penalty")} must lie in [-{MaxPenalty}, {MaxPenalty}], got {FrequencyPenalty.ToString(inv)}");
        if (!(Math.Abs(PresencePenalty) <= MaxPenalty))
            throw new SlotSharpException($"{name("presence-penalty")} must lie in [-{MaxPenalty}, {MaxPenalty}], got {PresencePenalty.ToString(inv)}");
        if (!(MinP >= 0 && MinP <= 1)) throw new SlotSharpException($"{name("min-p")} must lie in [0, 1], got {MinP.ToString(inv)}");
        ArgumentNullException.ThrowIfNull(LogitBias);
        foreach (var (id, bias) in LogitBias)
        {
            if (id < 0) throw new SlotSharpException($"{name("logit-bias")} names token id {id}; ids are >= 0");
            if (!(Math.Abs(bias) <= MaxLogitBias))
                throw new SlotSharpException($"{name("logit-bias")} of token {id} must lie in [-{MaxLogitBias}, {MaxLogitBias}], got {bias.ToString(inv)}");
        }
    }

    /// <summary>True when any OpenAI adjustment (logit_bias, frequency or presence penalty) changes the scores.</summary>
    internal bool AdjustsScores => LogitBias.Count > 0 || FrequencyPenalty != 0 || PresencePenalty != 0;
}
