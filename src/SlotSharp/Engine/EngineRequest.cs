using SlotSharp.Generation;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Engine;

/// <summary>
/// One generation for <see cref="SlotEngine"/>: a tokenized prompt, its sampling settings and its SLOT settings.
/// Sampling (temperature, top_p, top_k, seed, max_new_tokens, repetition_penalty, extra stop ids) lives in
/// <see cref="Generation"/>, so a request decodes with exactly the arithmetic of <see cref="Pipeline.SlotPipeline"/>.
/// </summary>
public sealed record EngineRequest(IReadOnlyList<int> PromptIds)
{
    /// <summary>Sampling settings; <see cref="GenerationOptions.StopIds"/> are stop ids that always apply.</summary>
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>End-of-sequence ids; null takes the pipeline's (generation_config.json or the GGUF's).</summary>
    public IReadOnlyCollection<int>? EosIds { get; init; }

    /// <summary>Decodes past the end-of-sequence ids (the stop ids of <see cref="Generation"/> still apply).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>SLOT prompt stage; null or times 0 decodes plainly. Ignored when <see cref="LoadedDelta"/> is given.</summary>
    public SlotOptions? Slot { get; init; }

    /// <summary>A stored delta (length d): decoding adds b = W delta and no prompt stage runs.</summary>
    public float[]? LoadedDelta { get; init; }

    /// <summary>
    /// Called on the engine thread after each token with all tokens generated so far; true finishes the request with
    /// <see cref="FinishReason.Stop"/>. Stop strings go here (decode the tail and search it); keep it cheap, since it
    /// runs inside every engine step.
    /// </summary>
    public Func<IReadOnlyList<int>, bool>? StopWhen { get; init; }

    /// <summary>
    /// Called on the engine thread with b = W delta (float32, [V]) once the prompt stage or the loaded delta has
    /// produced it, before the first token (not called when there is no bias). The tensor lives only during the call.
    /// </summary>
    public Action<Tensor>? OnLogitBias { get; init; }

}
