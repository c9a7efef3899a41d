using System.Diagnostics;
using SlotSharp.Generation;
using SlotSharp.Models;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Oracles;

// Test oracles, not product code: the product decodes only in SlotEngine. These decode loops were moved here from
// src/SlotSharp/Generation unchanged, so the tests that compare the engine with them keep an independent reference.

/// <summary>Timings of one generation, in milliseconds.</summary>
internal sealed record GenerationTiming(double PrefillMs, double PromptStageMs, double DecodeMs, int DecodeTokens)
{
    /// <summary>Tokens after the first (the first comes from the prefill) per second of decoding.</summary>
    public double DecodeTokensPerSecond => DecodeMs > 0 ? DecodeTokens / (DecodeMs / 1000.0) : 0;
}

internal sealed record GenerationResult(int[] PromptIds, int[] GeneratedIds, GenerationTiming Timing, bool StoppedAtStopId);

/// <summary>
/// Runs after the prompt's prefill and before the first token is chosen: receives the prompt's final hidden
/// states H ([T, d], compute dtype) and returns an additive float32 logit bias ([V]) for every later position,
/// or null for none. SLOT plugs in here (b = W delta).
/// </summary>
internal delegate Tensor? PromptStage(Tensor promptHidden);

/// <summary>
/// A prompt that has been run through the model: its KV cache and final hidden states H ([T, d]). Several
/// continuations (e.g. one per SLOT setting of a sweep) can decode from it: each rewinds the cache to the prompt.
/// </summary>
internal sealed class Prefill(int[] promptIds, KvCache cache, Tensor hidden, double milliseconds) : IDisposable
{
    public int[] PromptIds { get; } = promptIds;
    public KvCache Cache { get; } = cache;
    /// <summary>Final hidden states after the last norm, [T, d], compute dtype.</summary>
    public Tensor Hidden { get; } = hidden;
    public double Milliseconds { get; } = milliseconds;

    public void Dispose()
    {
        Cache.Dispose(); Hidden.Dispose();
    }
}

/// <summary>
/// Test oracle: the single-sequence decode loop on a <see cref="CausalLM"/>, independent of the backend seam and the engine.
/// Autoregressive decoding with a KV cache: prefill the prompt, optional prompt stage, then one token at a time.
/// Every logit row is lm_head(h) + bias, the first generated token included.
/// </summary>
internal sealed class TokenGenerator(CausalLM model)
{
    public CausalLM Model { get; } = model;

    /// <summary>
    /// Prompt positions per forward pass. Attention scores take heads x chunk x positions floats, so a 32k-token
    /// prompt in one pass would need tens of GB; chunks through the KV cache keep it bounded (same semantics).
    /// </summary>
    public int PrefillChunk { get; init; } = 512;

    /// <summary>
    /// Positions the KV cache reserves beyond the prompt before it first has to grow (then it doubles). The cache
    /// follows the tokens actually generated: reserving max_new_tokens up front made 10^9 abort the process.
    /// </summary>
    public const int CacheGrowthChunk = 256;

    /// <summary>Test seam: sees the positions prefilled so far after each chunk.</summary>
    internal Action<int>? AfterPrefillChunk { get; init; }

    /// <summary>Prefill + optional prompt stage + decode, in one call.</summary>
    public GenerationResult Generate(IReadOnlyList<int> promptIds, GenerationOptions options, PromptStage? promptStage = null,
        Tensor? logitBias = null, Action<int>? onToken = null, CancellationToken cancel = default)
    {
        using var prefill = Prefill(promptIds, options, cancel);
        Tensor? stageBias = null;
        double stageMs = 0;
        try
        {
            if (promptStage != null)
            {
                var clock = Stopwatch.StartNew();
                stageBias = promptStage(prefill.Hidden);
                stageMs = clock.Elapsed.TotalMilliseconds;
            }
            using var combined = Combine(logitBias, stageBias);
            var result = Decode(prefill, options, combined, onToken, cancel);
            return result with { Timing = result.Timing with { PromptStageMs = stageMs } };
        }
        finally { stageBias?.Dispose(); }
    }

    /// <summary>
    /// Runs the prompt through the model, keeping its KV cache, in chunks of <see cref="PrefillChunk"/> positions;
    /// <paramref name="cancel"/> is checked before each chunk. Refuses a prompt plus max_new_tokens past the model's
    /// max_position_embeddings unless <see cref="GenerationOptions.AllowLongContext"/>.
    /// </summary>
    public Prefill Prefill(IReadOnlyList<int> promptIds, GenerationOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        if (PrefillChunk < 1) throw new SlotSharpException($"prefill chunk must be >= 1, got {PrefillChunk}");
        int vocab = Model.Config.VocabSize;
        foreach (var id in promptIds)
            if (id < 0 || id >= vocab) throw new SlotSharpException($"prompt id {id} is outside the model's vocabulary [0, {vocab})");
        options.CheckContextLength(promptIds.Count, Model.Config.MaxPositionEmbeddings);
        var clock = Stopwatch.StartNew();
        var cache = Model.NewCache(promptIds.Count + CacheGrowthChunk, MostPositions(promptIds.Count, options));
        try
        {
            using var ids = tensor(promptIds.Select(i => (long)i).ToArray(), [1L, promptIds.Count]);
            var parts = new List<Tensor>();
            try
            {
                for (int start = 0; start < promptIds.Count; start += PrefillChunk)
                {
                    cancel.ThrowIfCancellationRequested();
                    int length = Math.Min(PrefillChunk, promptIds.Count - start);
                    using var chunk = ids.narrow(1, start, length);
                    using var output = Model.Forward(chunk, cache, LogitsMode.None);
                    parts.Add(output.Hidden[0]);
                    AfterPrefillChunk?.Invoke(start + length);
                }
                var hidden = parts.Count == 1 ? parts[0].alias() : cat(parts, 0);
                return new Prefill(promptIds.ToArray(), cache, hidden, clock.Elapsed.TotalMilliseconds);
            }
            finally { foreach (var p in parts) p.Dispose(); }
        }
        catch { cache.Dispose(); throw; }
    }

    /// <summary>
    /// Decodes after a prefill: the first token from lm_head(H[T-1]) + bias, then one forward per token.
    /// The cache is first rewound to the prompt, so the same prefill can serve several continuations.
    /// </summary>
    public GenerationResult Decode(Prefill prefill, GenerationOptions options, Tensor? logitBias = null,
        Action<int>? onToken = null, CancellationToken cancel = default)
    {
        options.Validate();
        options.CheckContextLength(prefill.PromptIds.Length, Model.Config.MaxPositionEmbeddings);
        prefill.Cache.Rewind(prefill.PromptIds.Length);
        prefill.Cache.ExpectedMaximum = MostPositions(prefill.PromptIds.Length, options);
        var sampler = new TokenSampler(options);
        var stops = options.StopIds as ISet<int> ?? options.StopIds.ToHashSet();
        var generated = new List<int>();
        var context = options.RepetitionPenalty == 1.0 ? null : new HashSet<int>(prefill.PromptIds);
        using var bias = OnDevice(logitBias);
        var clock = Stopwatch.StartNew();
        bool stopped = false;
        Tensor? logits;
        using (var lastRow = prefill.Hidden.narrow(0, prefill.Hidden.shape[0] - 1, 1))
        using (var last = lastRow.unsqueeze(0))
            logits = Model.Logits(last);
        try
        {
            for (int step = 0; step < options.MaxNewTokens && !cancel.IsCancellationRequested; step++)
            {
                int next;
                using (var row = logits.view(-1))
                using (var biased = bias is null ? row.alias() : row.add(bias, SlotSharp.Runtime.HeldScalars.One))
                {
                    var scores = SlotSharp.Runtime.TensorHost.Floats(biased);
                    if (step < 2) LogitChecks.RequireFinite(scores, step);
                    if (context != null) TokenSampler.ApplyRepetitionPenalty(scores, context, options.RepetitionPenalty);
                    next = sampler.Next(scores);
                }
                generated.Add(next);
                context?.Add(next);
                onToken?.Invoke(next);
                if (stops.Contains(next)) { stopped = true; break; }
                if (step + 1 == options.MaxNewTokens) break;
                using var input = tensor(new long[] { next }, [1L, 1L]);
                using var output = Model.Forward(input, prefill.Cache, LogitsMode.Last);
                logits.Dispose();
                logits = output.Logits!.alias();
            }
        }
        finally { logits.Dispose(); }
        double decodeMs = clock.Elapsed.TotalMilliseconds;
        return new GenerationResult(prefill.PromptIds, generated.ToArray(),
            new GenerationTiming(prefill.Milliseconds, 0, decodeMs, Math.Max(0, generated.Count - 1)), stopped);
    }

    /// <summary>The most positions decoding stores: the last generated token is never fed back.</summary>
    static long MostPositions(int promptLength, GenerationOptions options) => promptLength + Math.Max(0L, options.MaxNewTokens - 1L);

    /// <summary>A float32 handle of the bias on the model's device (the caller's tensor is never disposed here).</summary>
    Tensor? OnDevice(Tensor? bias)
    {
        if (bias is null) return null;
        using var scope = NewDisposeScope();
        return bias.to(ScalarType.Float32).to(Model.Compute.Device).alias().DetachFromDisposeScope();
    }

    Tensor? Combine(Tensor? a, Tensor? b)
    {
        if (a is null || b is null) return OnDevice(a ?? b);
        using var onDeviceA = OnDevice(a)!;
        using var onDeviceB = OnDevice(b)!;
        return onDeviceA.add(onDeviceB, SlotSharp.Runtime.HeldScalars.One);
    }
}
