using System.Runtime.ExceptionServices;
using SlotSharp.Generation;

namespace SlotSharp.Engine;

/// <summary>Where a request is in the engine. It only moves forward; every request ends in <see cref="Finished"/>.</summary>
public enum EngineRequestState { Queued, Prefill, SlotStage, Decode, Finished }

/// <summary>Why a request finished (OpenAI's finish_reason, plus the engine's own outcomes).</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence or stop id was emitted (kept in the ids), or a stop string completed (left out of the text).</summary>
    Stop,
    /// <summary>max_new_tokens were generated.</summary>
    Length,
    /// <summary>The request's token was cancelled, or the engine was disposed, before it finished.</summary>
    Cancelled,
    /// <summary>The prefill, SLOT stage or a decode step failed; <see cref="EngineResult.Error"/> says why.</summary>
    Error,
}

/// <summary>Token counts, as an OpenAI usage block reports them.</summary>
public sealed record EngineUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>Wall-clock phases of one request, in milliseconds. Decode time includes steps shared with other requests.</summary>
public sealed record EngineTimings(double QueueMs, double PrefillMs, double SlotStageMs, double DecodeMs, double TotalMs);

/// <summary>
/// What one request produced, the one result type of every front door. <see cref="Text"/> is the generated ids decoded
/// with special tokens skipped and cut before a stop string. <see cref="Slot"/> is null when no prompt stage ran and
/// no delta was loaded.
/// </summary>
public sealed record EngineResult(long Id, int[] PromptIds, int[] GeneratedIds, string Text, FinishReason FinishReason, EngineUsage Usage,
    SlotSummary? Slot, EngineTimings Timings, Exception? Error)
{
    /// <summary>Which of the request's choices this is (0 unless it asked for several).</summary>
    public int Choice { get; init; }

    /// <summary>Each generated token's log-probability, when the request asked for them (<see cref="EngineRequest.Logprobs"/>).</summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }

    /// <summary>
    /// The log-probabilities of prompt tokens 1..T-1 (token 0 has no context), under the delta the generation used,
    /// when the request asked for them (<see cref="EngineRequest.PromptLogprobs"/>); null for a request that ended
    /// before they were computed.
    /// </summary>
    public IReadOnlyList<TokenLogprob>? PromptLogprobs { get; init; }

    /// <summary>Tokens after the first (the first comes from the prefill's logits) per second of decoding.</summary>
    public double DecodeTokensPerSecond => Timings.DecodeMs > 0 ? Math.Max(0, GeneratedIds.Length - 1) / (Timings.DecodeMs / 1000.0) : 0;

    /// <summary>
    /// For callers that want exceptions rather than finish reasons: rethrows <see cref="Error"/> as it was thrown and
    /// throws <see cref="OperationCanceledException"/> for a request cancelled before its first token (in the queue,
    /// the prefill or the SLOT stage); otherwise returns this result (cancelled mid-decode, it keeps its tokens so far).
    /// </summary>
    public EngineResult ThrowIfFailed(CancellationToken cancel = default)
    {
        if (FinishReason == FinishReason.Error) ExceptionDispatchInfo.Throw(Error!);
        if (FinishReason == FinishReason.Cancelled && GeneratedIds.Length == 0) throw new OperationCanceledException(cancel);
        return this;
    }
}

/// <summary>A snapshot of the engine's counters for a /metrics endpoint. Totals count since the engine started.</summary>
public sealed record EngineMetrics(int Queued, int Running, long KvReserved, long KvCapacity, string KvUnit,
    long PromptTokens, long GeneratedTokens, long Finished, long SlotStages, double SlotStageMs)
{
    /// <summary>Requests whose prefill started after a cached prompt prefix (<see cref="EngineOptions.PrefixCache"/>).</summary>
    public long PrefixCacheHits { get; init; }

    /// <summary>Prompt positions taken from cached prefixes instead of being prefilled.</summary>
    public long PrefixCacheReusedTokens { get; init; }

    /// <summary>Cached prefixes dropped to make room for requests or newer prefixes.</summary>
    public long PrefixCacheEvictions { get; init; }

    /// <summary>Cached prefixes held now (their KV is outside <see cref="KvReserved"/>).</summary>
    public int PrefixCacheEntries { get; init; }
}

/// <summary>
/// A piece of one choice's text as it becomes final, with the log-probabilities of the tokens chosen since the last
/// piece (empty when the request asked for none). A choice's pieces concatenate to its result's text. When the
/// request asked for prompt log-probabilities, each choice's first piece is the prompt's (<see cref="Prompt"/>: no
/// text, the log-probabilities of prompt tokens 1..T-1), sent as soon as the prompt stage ends.
/// </summary>
public sealed record EnginePiece(int Choice, string Text, IReadOnlyList<TokenLogprob> Logprobs)
{
    /// <summary>This piece carries the prompt's log-probabilities, not generated text.</summary>
    public bool Prompt { get; init; }
}
