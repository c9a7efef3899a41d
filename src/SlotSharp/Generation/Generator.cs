using System.Diagnostics;
using SlotSharp.Models;
using static TorchSharp.torch;

namespace SlotSharp.Generation;

/// <summary>Timings of one generation, in milliseconds.</summary>
public sealed record GenerationTiming(double PrefillMs, double PromptStageMs, double DecodeMs, int DecodeTokens)
{
    /// <summary>Tokens after the first (the first comes from the prefill) per second of decoding.</summary>
    public double DecodeTokensPerSecond => DecodeMs > 0 ? DecodeTokens / (DecodeMs / 1000.0) : 0;
}

public sealed record GenerationResult(int[] PromptIds, int[] GeneratedIds, GenerationTiming Timing, bool StoppedAtStopId);

/// <summary>
/// Runs after the prompt's prefill and before the first token is chosen: receives the prompt's final hidden
/// states H ([T, d], compute dtype) and returns an additive float32 logit bias ([V]) for every later position,
/// or null for none. SLOT plugs in here (b = W delta).
/// </summary>
public delegate Tensor? PromptStage(Tensor promptHidden);

/// <summary>
/// Autoregressive decoding with a KV cache: prefill the prompt, optional prompt stage, then one token at a time.
/// Every logit row is lm_head(h) + bias, the first generated token included.
/// </summary>
public sealed class Generator(CausalLM model)
{
    public CausalLM Model { get; } = model;

    public GenerationResult Generate(IReadOnlyList<int> promptIds, GenerationOptions options, PromptStage? promptStage = null,
        Tensor? logitBias = null, Action<int>? onToken = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        int vocab = Model.Config.VocabSize;
        foreach (var id in promptIds)
            if (id < 0 || id >= vocab) throw new SlotSharpException($"prompt id {id} is outside the model's vocabulary [0, {vocab})");

        var sampler = new TokenSampler(options);
        var generated = new List<int>();
        var stops = options.StopIds as ISet<int> ?? options.StopIds.ToHashSet();
        using var cache = Model.NewCache(promptIds.Count + options.MaxNewTokens + 1);
        var clock = Stopwatch.StartNew();
        double prefillMs, promptStageMs = 0;
        Tensor? bias = logitBias?.to(ScalarType.Float32).to(Model.Compute.Device);
        bool ownsBias = bias is not null && !ReferenceEquals(bias, logitBias);
        Tensor? lastLogits;
        try
        {
            using (var ids = tensor(promptIds.Select(i => (long)i).ToArray()).unsqueeze(0))
            {
                // The prompt stage needs H for every position; generation needs only the last row's logits.
                using var output = Model.Forward(ids, cache, promptStage == null ? LogitsMode.Last : LogitsMode.None);
                prefillMs = clock.Elapsed.TotalMilliseconds;
                if (promptStage != null)
                {
                    var stageClock = Stopwatch.StartNew();
                    using var h = output.Hidden[0];
                    var stageBias = promptStage(h);
                    if (stageBias is not null)
                    {
                        if (ownsBias) bias!.Dispose();
                        bias = bias is null ? stageBias : bias + stageBias;
                        ownsBias = true;
                    }
                    promptStageMs = stageClock.Elapsed.TotalMilliseconds;
                    using var lastHidden = output.Hidden.narrow(1, output.Hidden.shape[1] - 1, 1);
                    lastLogits = Model.Logits(lastHidden);
                }
                else lastLogits = output.Logits!.alias();
            }

            var decodeClock = Stopwatch.StartNew();
            bool stopped = false;
            for (int step = 0; step < options.MaxNewTokens && !cancel.IsCancellationRequested; step++)
            {
                int next;
                using (var row = lastLogits.view(-1))
                using (var biased = bias is null ? row.alias() : row + bias)
                using (var cpu = biased.cpu())
                    next = sampler.Next(cpu.data<float>().ToArray());
                lastLogits.Dispose();
                lastLogits = null;
                generated.Add(next);
                onToken?.Invoke(next);
                if (stops.Contains(next)) { stopped = true; break; }
                if (step + 1 == options.MaxNewTokens) break;
                using var input = tensor(new long[] { next }).view(1, 1);
                using var output = Model.Forward(input, cache, LogitsMode.Last);
                lastLogits = output.Logits!.alias();
            }
            lastLogits?.Dispose();
            double decodeMs = decodeClock.Elapsed.TotalMilliseconds;
            return new GenerationResult(promptIds.ToArray(), generated.ToArray(),
                new GenerationTiming(prefillMs, promptStageMs, decodeMs, Math.Max(0, generated.Count - 1)), stopped);
        }
        finally
        {
            if (ownsBias) bias?.Dispose();
        }
    }
}
