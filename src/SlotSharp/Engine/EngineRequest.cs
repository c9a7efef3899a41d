using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// One generation for <see cref="SlotEngine"/>, the one request type of every front door (built by
/// <see cref="RequestBuilder"/>): a tokenized prompt, its sampling settings, how it ends and its SLOT settings.
/// It ends at the model's end-of-sequence ids (unless <see cref="IgnoreEos"/>), at the extra stop ids of
/// <see cref="Generation"/>, at the first of <see cref="StopStrings"/> in the decoded text, or after max_new_tokens.
/// </summary>
public sealed record EngineRequest(IReadOnlyList<int> PromptIds)
{
    /// <summary>Sampling settings; <see cref="GenerationOptions.StopIds"/> are extra stop ids that always apply.</summary>
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>Decodes past the model's end-of-sequence ids (the stop ids of <see cref="Generation"/> still apply).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>
    /// Texts that end the request (finish reason stop) as soon as the decoded text (special tokens skipped) holds one;
    /// the text is cut before it, as OpenAI does, and nothing is decoded past the token that completed it.
    /// </summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>SLOT prompt stage; null or times 0 decodes plainly. Ignored when <see cref="LoadedDelta"/> is given.</summary>
    public SlotOptions? Slot { get; init; }

    /// <summary>A stored delta (length d): decoding adds b = W delta and no prompt stage runs.</summary>
    public float[]? LoadedDelta { get; init; }

    /// <summary>
    /// Called on the engine thread with b = W delta ([V]) once the prompt stage or the loaded delta has produced it,
    /// before the first token (not called when there is no bias). The array is the caller's to keep.
    /// </summary>
    public Action<float[]>? OnLogitBias { get; init; }

    /// <summary>
    /// Test hook: called on the engine thread after each token with all tokens so far; true finishes the request with
    /// <see cref="FinishReason.Stop"/>. Tests use it to act at an exact engine step.
    /// </summary>
    internal Func<IReadOnlyList<int>, bool>? StopWhen { get; init; }

    /// <summary>Checks what does not depend on the model: stop strings are non-empty.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(PromptIds);
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new SlotSharpException("a stop string is empty");
    }
}
