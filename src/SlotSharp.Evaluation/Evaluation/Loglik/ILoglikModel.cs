namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// One continuation's score under one SLOT setting: the sum of its tokens' log-probabilities given everything before
/// them (lm-evaluation-harness's loglikelihood), whether every one was its position's most likely token (is_greedy),
/// the token counts of the split, the SLOT stage's losses (fitted on the context only) and the engine's timings.
/// </summary>
internal sealed record LoglikScore(double Loglikelihood, bool IsGreedy, int ContextTokens, int ContinuationTokens,
    IReadOnlyList<double> SlotLosses, EvalTimings Timings)
{
    /// <summary>Each continuation token's log-probability, in order (their sum is <see cref="Loglikelihood"/>).</summary>
    public IReadOnlyList<double> TokenLogprobs { get; init; } = [];
    /// <summary>Selection mode: the setting (times/lr) this score was taken under, chosen per request; null otherwise.</summary>
    public string? Selected { get; init; }
    /// <summary>With a held-out split: the mean negative log-probability of the context's last M tokens, which the fit
    /// did not see (the selection mode's criterion); null otherwise.</summary>
    public double? HeldOutLoss { get; init; }
    /// <summary>Selection mode: every candidate's log-likelihood and held-out loss, in settings order.</summary>
    public IReadOnlyList<double>? CandidateLoglikelihoods { get; init; }
    public IReadOnlyList<double>? CandidateHeldOutLosses { get; init; }
}

/// <summary>
/// What the log-likelihood tasks need of a model: every request of a batch scored under every SLOT
/// setting, result [request][setting]. SLOT fits delta on the request's context tokens only (SlotOptions.FitTokens), so
/// requests that share a context get the same delta, and the continuation is scored under a delta that never saw it.
/// Results must not depend on which other requests share the call. With <c>heldOut</c> M &gt; 0, SLOT fits only the
/// context's first (context tokens - M) and each score reports the held-out loss of the context's last M tokens.
/// </summary>
internal interface ILoglikModel
{
    IReadOnlyList<IReadOnlyList<LoglikScore>> Score(IReadOnlyList<LoglikRequest> batch, IReadOnlyList<SlotSetting> settings, int heldOut = 0);
}
