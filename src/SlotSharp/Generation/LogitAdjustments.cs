namespace SlotSharp.Generation;

/// <summary>
/// OpenAI's score adjustments of one sequence: logit_bias (a fixed add) and the frequency and presence penalties
/// (from the counts of the tokens generated so far; prompt tokens do not count, as in OpenAI and vLLM).
/// </summary>
internal sealed class LogitAdjustments
{
    readonly (int Id, float Bias)[] _bias;
    readonly double _frequency;
    readonly double _presence;
    readonly Dictionary<int, int> _counts = [];

    LogitAdjustments(GenerationOptions options)
    {
        _bias = [.. options.LogitBias.Select(kv => (kv.Key, (float)kv.Value))];
        _frequency = options.FrequencyPenalty;
        _presence = options.PresencePenalty;
    }

    /// <summary>Null when <paramref name="options"/> adjusts nothing; ids must lie below <paramref name="vocabSize"/>.</summary>
    public static LogitAdjustments? For(GenerationOptions options, int vocabSize)
    {
        if (!options.AdjustsScores) return null;
        foreach (var id in options.LogitBias.Keys)
            if (id >= vocabSize) throw new SlotSharpException($"the logit bias names token id {id} but the model has {vocabSize} logits");
        return new LogitAdjustments(options);
    }

    public void AddBias(Span<float> scores)
    {
        foreach (var (id, bias) in _bias) scores[id] += bias;
    }

    /// <summary>logit -= frequency * count + presence * (count > 0), for every id generated so far.</summary>
    public void ApplyPenalties(Span<float> scores)
    {
        if (_frequency == 0 && _presence == 0) return;
        foreach (var (id, count) in _counts) scores[id] = (float)(scores[id] - (_frequency * count + _presence));
    }

    /// <summary>Counts a generated token.</summary>
    public void Add(int id) => _counts[id] = _counts.GetValueOrDefault(id) + 1;
}
