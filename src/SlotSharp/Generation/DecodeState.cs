using System.Numerics;

namespace SlotSharp.Generation;

/// <summary>
/// One sequence's decoding rules, independent of the engine: add its fixed logit bias (SLOT's b = W delta), apply
/// OpenAI's logit_bias and the penalties (repetition, frequency, presence), sample, and decide whether it is
/// finished. Every backend decodes through this, so the TorchSharp and llama.cpp paths (and a sequence alone or
/// inside a batch) choose tokens by the same arithmetic.
/// </summary>
internal sealed class DecodeState
{
    readonly GenerationOptions _options;
    readonly TokenSampler _sampler;
    readonly ISet<int> _stops;
    readonly HashSet<int>? _context;
    readonly float[]? _bias;
    readonly LogitAdjustments? _adjustments;
    readonly float[] _scores;
    readonly List<int> _generated = [];
    readonly int? _logprobs;
    readonly List<TokenLogprob>? _chosenLogprobs;

    /// <param name="logprobs">Record each chosen token's log-probability with this many alternatives (null: none).</param>
    public DecodeState(IReadOnlyList<int> promptIds, GenerationOptions options, float[]? logitBias, int vocabSize, int? logprobs = null)
    {
        options.Validate();
        if (logitBias != null && logitBias.Length != vocabSize)
            throw new SlotSharpException($"the logit bias has {logitBias.Length} values but the model has {vocabSize} logits");
        _options = options;
        _sampler = new TokenSampler(options);
        _stops = options.StopIds as ISet<int> ?? options.StopIds.ToHashSet();
        _context = options.RepetitionPenalty == 1.0 ? null : new HashSet<int>(promptIds);
        _bias = logitBias;
        _adjustments = LogitAdjustments.For(options, vocabSize);
        _scores = new float[vocabSize];
        _logprobs = logprobs;
        if (logprobs != null) _chosenLogprobs = [];
    }

    /// <summary>Each chosen token's log-probability (<see cref="TokenLogprob"/>), when the state was asked to record them.</summary>
    public IReadOnlyList<TokenLogprob>? Logprobs => _chosenLogprobs;

    public IReadOnlyList<int> Generated => _generated;

    /// <summary>True once a stop id was emitted.</summary>
    public bool Stopped { get; private set; }

    /// <summary>True when no further token will be chosen (stop id or max_new_tokens reached).</summary>
    public bool Finished => Stopped || _generated.Count >= _options.MaxNewTokens;

    /// <summary>Chooses the next token from the model's raw logits of the last position.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (Finished) throw new InvalidOperationException("the sequence is finished");
        // Each pass over V floats is host time in every decode step: without a bias or a penalty the sampler reads the
        // logits in place, and with a bias the copy and the add are one vectorized pass (the same float adds).
        ReadOnlySpan<float> scores = logits;
        if (_bias != null) { AddInto(logits, _bias, _scores); scores = _scores; }
        else if (_context != null || _adjustments != null) { logits.CopyTo(_scores); scores = _scores; }
        if (_generated.Count < 2) LogitChecks.RequireFinite(scores, _generated.Count);
        // OpenAI's logit_bias, then the penalties, in vLLM's order: bias, repetition, frequency and presence.
        _adjustments?.AddBias(_scores);
        if (_context != null) TokenSampler.ApplyRepetitionPenalty(_scores, _context, _options.RepetitionPenalty);
        _adjustments?.ApplyPenalties(_scores);
        // Log-probabilities describe the model (logits plus SLOT's bias), not the caller's bias and penalties, so they
        // are read from the raw logits; the chosen token's value comes from the same float sums.
        var distribution = _logprobs is { } top ? Generation.Logprobs.Measure(logits, _bias, top) : null;
        int next = _sampler.Next(scores);
        if (distribution != null) _chosenLogprobs!.Add(Generation.Logprobs.Of(distribution, logits, _bias, next));
        _generated.Add(next);
        _context?.Add(next);
        _adjustments?.Add(next);
        Stopped = _stops.Contains(next);
        return next;
    }

    static void AddInto(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum)
    {
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(a[i..]) + new Vector<float>(b[i..])).CopyTo(sum[i..]);
        for (; i < a.Length; i++) sum[i] = a[i] + b[i];
    }
}
