using System.Diagnostics;
using SlotSharp.Generation;

namespace SlotSharp.LlamaCpp;

/// <summary>A prompt run through llama.cpp: its final hidden states (when asked for) and last-position logits.</summary>
public sealed class LlamaCppPrefill(int[] promptIds, float[]? hidden, float[] lastLogits, double milliseconds)
{
    public int[] PromptIds { get; } = promptIds;
    /// <summary>Final hidden states [T, d], row-major; null when the prefill was run for plain generation.</summary>
    public float[]? Hidden { get; } = hidden;
    public float[] LastLogits { get; } = lastLogits;
    public double Milliseconds { get; } = milliseconds;
}

/// <summary>
/// Decoding on llama.cpp with the same semantics as <see cref="TokenGenerator"/>: every logit row is the model's
/// logits plus an optional fixed bias (SLOT's b = W delta), then repetition penalty and the shared sampler.
/// One sequence (id 0) per generator; a prefill can serve several continuations (the cache is cut back to it).
/// </summary>
public sealed class LlamaCppGenerator(LlamaCppModel model)
{
    public LlamaCppModel Model { get; } = model;

    public LlamaCppPrefill Prefill(IReadOnlyList<int> promptIds, bool keepHidden, CancellationToken cancel = default)
    {
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        foreach (var id in promptIds)
            if (id < 0 || id >= Model.VocabSize) throw new SlotSharpException($"prompt id {id} is outside the model's vocabulary [0, {Model.VocabSize})");
        if (promptIds.Count >= Model.ContextSize)
            throw new SlotSharpException($"the prompt has {promptIds.Count} tokens but the llama.cpp context holds {Model.ContextSize}");
        var clock = Stopwatch.StartNew();
        Model.Release();
        var (hidden, last) = Model.Prefill(promptIds, keepHidden, cancel: cancel);
        return new LlamaCppPrefill(promptIds.ToArray(), hidden, last, clock.Elapsed.TotalMilliseconds);
    }

    public GenerationResult Decode(LlamaCppPrefill prefill, GenerationOptions options, float[]? logitBias = null,
        Action<int>? onToken = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (logitBias != null && logitBias.Length != Model.VocabSize)
            throw new SlotSharpException($"the logit bias has {logitBias.Length} values but the model has {Model.VocabSize} logits");
        int promptLength = prefill.PromptIds.Length;
        Model.Release(from: promptLength); // forget an earlier continuation of this prefill
        var sampler = new TokenSampler(options);
        var stops = options.StopIds as ISet<int> ?? options.StopIds.ToHashSet();
        var context = options.RepetitionPenalty == 1.0 ? null : new HashSet<int>(prefill.PromptIds);
        var generated = new List<int>();
        var scores = (float[])prefill.LastLogits.Clone();
        var clock = Stopwatch.StartNew();
        bool stopped = false;
        for (int step = 0; step < options.MaxNewTokens && !cancel.IsCancellationRequested; step++)
        {
            if (logitBias != null) for (int i = 0; i < scores.Length; i++) scores[i] += logitBias[i];
            if (context != null) TokenSampler.ApplyRepetitionPenalty(scores, context, options.RepetitionPenalty);
            int next = sampler.Next(scores);
            generated.Add(next);
            context?.Add(next);
            onToken?.Invoke(next);
            if (stops.Contains(next)) { stopped = true; break; }
            if (step + 1 == options.MaxNewTokens) break;
            int position = promptLength + step;
            if (position + 1 >= Model.ContextSize)
                throw new SlotSharpException($"generation reached the llama.cpp context size ({Model.ContextSize} positions)");
            Model.Step(next, position).CopyTo(scores);
        }
        return new GenerationResult(prefill.PromptIds, generated.ToArray(),
            new GenerationTiming(prefill.Milliseconds, 0, clock.Elapsed.TotalMilliseconds, Math.Max(0, generated.Count - 1)), stopped);
    }
}
