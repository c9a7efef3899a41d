using System.Numerics;
using SlotSharp.Generation.Constraints;

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
    readonly GrammarMatcher? _constraint;

    /// <param name="logprobs">Record each chosen token's log-probability with this many alternatives (null: none).</param>
    /// <param name="constraint">This sequence's position in its output constraint's grammar (null: unconstrained).</param>
    public DecodeState(IReadOnlyList<int> promptIds, GenerationOptions options, float[]? logitBias, int vocabSize, int? logprobs = null,
        GrammarMatcher? constraint = null)
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
        _constraint = constraint;
    }

    /// <summary>The constraint's matcher, when the sequence decodes under one.</summary>
    internal GrammarMatcher? Constraint => _constraint;

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
        int next = _constraint == null ? _sampler.Next(scores) : NextConstrained(scores, _bias != null || _context != null || _adjustments != null);
        if (distribution != null) _chosenLogprobs!.Add(Generation.Logprobs.Of(distribution, logits, _bias, next));
        _generated.Add(next);
        _context?.Add(next);
        _adjustments?.Add(next);
        if (_constraint == null) Stopped = _stops.Contains(next);
        else if (_stops.Contains(next) && _constraint.CanEnd) Stopped = true;
        else
        {
            _constraint.Accept(next);
            // Complete with nothing allowed after: end here instead of spending a step on end-of-sequence.
            Stopped = _constraint.Finished || _stops.Contains(next);
        }
        return next;
    }

    /// <summary>
    /// The constraint's mask goes on after SLOT's bias and the caller's adjustments and before temperature and the
    /// top-k/top-p/min-p filters (vLLM's and xgrammar's order), so sampling renormalises over the allowed tokens only.
    /// Greedy first tries the unmasked argmax: when the grammar allows it, it is also the masked argmax, and no mask is
    /// needed (inside a JSON string almost every step).
    /// </summary>
    int NextConstrained(ReadOnlySpan<float> scores, bool inBuffer)
    {
        var c = _constraint!;
        if (_options.Greedy)
        {
            int best = TokenSampler.ArgMax(scores);
            if (IsAllowed(best)) return best;
        }
        if (!inBuffer) scores.CopyTo(_scores);
        var mask = c.Mask();
        // End-of-sequence ids have no bytes, so the mask never holds them: they come back only where the text may end.
        var ends = c.CanEnd ? _stops.Where(i => (uint)i < (uint)_scores.Length).Select(i => (Id: i, Score: _scores[i])).ToList() : [];
        bool any = ends.Count > 0;
        for (int w = 0; w < (_scores.Length + 63) / 64; w++)
        {
            ulong bits = w < mask.Length ? mask[w] : 0;
            int from = w * 64, to = Math.Min(from + 64, _scores.Length);
            if (bits != 0) any = true;
            if (bits == ulong.MaxValue) continue;
            for (int i = from; i < to; i++)
                if ((bits & (1UL << (i - from))) == 0) _scores[i] = float.NegativeInfinity;
        }
        foreach (var (id, score) in ends) _scores[id] = score;
        if (!any) throw new SlotSharpException("no token of the vocabulary can continue the output constraint here");
        int next = _sampler.Next(_scores);
        // A draw can land on a masked token only through rounding at the end of the cumulative sum: take the best allowed.
        return float.IsNegativeInfinity(_scores[next]) ? TokenSampler.ArgMax(_scores) : next;
    }

    bool IsAllowed(int id) => _stops.Contains(id) ? _constraint!.CanEnd : _constraint!.Allows(id);

    static void AddInto(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum)
    {
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(a[i..]) + new Vector<float>(b[i..])).CopyTo(sum[i..]);
        for (; i < a.Length; i++) sum[i] = a[i] + b[i];
    }
}
