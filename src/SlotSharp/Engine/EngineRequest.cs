using SlotSharp.Generation;
using SlotSharp.Generation.Constraints;
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
    /// Report each generated token's log-probability (<see cref="EngineResult.Logprobs"/>) with this many most likely
    /// alternatives (0 to 20); null reports none. Values are the log-softmax of the model's logits plus the SLOT bias,
    /// before temperature, penalties, top-k/top-p and an output constraint's mask (<see cref="Constraint"/>).
    /// </summary>
    public int? Logprobs { get; init; }

    /// <summary>
    /// Also report every prompt token's log-probability after the first (<see cref="EngineResult.PromptLogprobs"/>),
    /// under the same delta the generation uses; needs <see cref="Logprobs"/>. The prefill then keeps the prompt's
    /// T x V logits until they are read (bounded by <see cref="EngineOptions.PromptLogprobsMaxBytes"/>).
    /// </summary>
    public bool PromptLogprobs { get; init; }

    /// <summary>
    /// Independent completions of this prompt (OpenAI's n): one prefill and one prompt stage, then each choice decodes
    /// on its own fork of the sequence with its own sampler, seeded <c>Seed + j</c> for choice j (so choice 0 is what the
    /// request alone gives). Each choice has its own result (<see cref="EngineHandle.Choices"/>).
    /// </summary>
    public int Choices { get; init; } = 1;

    /// <summary>Most choices one request may ask for.</summary>
    public const int MaxChoices = 128;

    /// <summary>
    /// What the generated text must be (JSON, a JSON Schema, a grammar, a regex or a choice), enforced while decoding:
    /// every choice keeps its own position in it. End-of-sequence comes only where the text is complete, and the
    /// request ends (finish reason stop) as soon as nothing may follow; max_new_tokens still ends it with length.
    /// </summary>
    public OutputConstraint? Constraint { get; init; }

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
        if (Logprobs is < 0 or > SlotSharp.Generation.Logprobs.MaxTop)
            throw new SlotSharpException($"log-probabilities take 0 to {SlotSharp.Generation.Logprobs.MaxTop} alternatives per token, got {Logprobs}");
        if (PromptLogprobs && Logprobs == null) throw new SlotSharpException("prompt log-probabilities need the request's log-probability setting (0 to 20 alternatives)");
        if (Choices is < 1 or > MaxChoices) throw new SlotSharpException($"a request takes 1 to {MaxChoices} choices, got {Choices}");
    }
}
