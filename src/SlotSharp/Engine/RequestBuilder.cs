using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// A prompt as a front door receives it: plain text, chat messages (rendered with the model's chat template) or
/// token ids. <see cref="AddSpecialTokens"/> overrides whether the tokenizer adds its special tokens (e.g. a BOS):
/// by default plain text gets them and a rendered chat does not (the template holds any BOS), as transformers does.
/// </summary>
public sealed record PromptInput
{
    public string? Text { get; private init; }
    public IReadOnlyList<ChatMessage>? Messages { get; private init; }
    public IReadOnlyList<int>? Ids { get; private init; }
    public bool? AddSpecialTokens { get; init; }

    /// <summary>
    /// Tools rendered into a chat's template (OpenAI tool objects, see <see cref="ChatTemplate.Render(IReadOnlyList{ChatMessage}, bool, IReadOnlyDictionary{string, object?}?, IReadOnlyList{object?}?)"/>); null for
    /// none. Only for <see cref="Messages"/>.
    /// </summary>
    public IReadOnlyList<object?>? Tools { get; init; }

    public static PromptInput FromText(string text) => new() { Text = text ?? throw new ArgumentNullException(nameof(text)) };
    public static PromptInput FromMessages(IReadOnlyList<ChatMessage> messages) => new() { Messages = messages ?? throw new ArgumentNullException(nameof(messages)) };
    public static PromptInput FromIds(IReadOnlyList<int> ids) => new() { Ids = ids ?? throw new ArgumentNullException(nameof(ids)) };
}

/// <summary>
/// Builds the <see cref="EngineRequest"/> of every front door (CLI, server, evaluators, chat client) the same way:
/// the prompt encoded by the model's rules, the model's generation defaults (generation_config.json's
/// repetition_penalty, as transformers applies it), the one end-of-sequence rule (the model's eos ids end the request
/// unless ignore_eos) and stop strings checked by the engine on the decoded text. Front doors only translate their
/// own fields into these settings and name them in their own errors.
/// </summary>
public sealed class RequestBuilder(SlotModel model)
{
    public SlotModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Sampling defaults for this model: greedy, 128 new tokens, the model's repetition penalty.</summary>
    public GenerationOptions DefaultGeneration => new() { RepetitionPenalty = Model.DefaultRepetitionPenalty };

    /// <summary>The rendered chat text (the exact text the tokenizer sees), for front doors that report it.</summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages) => Model.Chat.Render(messages, addGenerationPrompt: true);

    /// <summary>The rendered chat text with <paramref name="tools"/> offered to the model (null: none).</summary>
    public string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools) =>
        Model.Chat.Render(messages, addGenerationPrompt: true, tools: tools);

    /// <summary>
    /// The prompt's ids. A chat is encoded as the original SLOT code builds prompts: apply_chat_template(messages,
    /// add_generation_prompt=True), then encode with add_special_tokens=False (the template already holds any BOS).
    /// </summary>
    public int[] Encode(PromptInput prompt) => Encode(prompt, CancellationToken.None);

    /// <summary>
    /// <see cref="Encode(PromptInput)"/>, rendering the chat under <paramref name="cancellation"/> (the server passes
    /// the request's: a client that leaves stops the render). The text is then tokenized whole; its length is bounded
    /// before it gets here (the server's PromptBounds).
    /// </summary>
    internal int[] Encode(PromptInput prompt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Tools != null && prompt.Messages == null) throw new SlotSharpException("tools can only be offered to a chat (messages)");
        if (prompt.Ids is { } ids) return [.. ids];
        if (prompt.Messages is { } messages)
        {
            var text = Model.Chat.Render(messages, addGenerationPrompt: true, null, prompt.Tools, cancellation);
            cancellation.ThrowIfCancellationRequested();
            return Model.Tokenizer.Encode(text, prompt.AddSpecialTokens ?? false);
        }
        return Model.Tokenizer.Encode(prompt.Text!, prompt.AddSpecialTokens ?? true);
    }

    /// <summary>
    /// The engine request. <paramref name="generation"/> null takes <see cref="DefaultGeneration"/>; its stop ids are
    /// extra stop ids. Stop strings must be non-empty. The prompt and limits are checked when it is submitted.
    /// </summary>
    public EngineRequest Build(PromptInput prompt, GenerationOptions? generation = null, SlotOptions? slot = null,
        IReadOnlyList<string>? stopStrings = null, bool ignoreEos = false, float[]? loadedDelta = null)
    {
        var request = new EngineRequest(Encode(prompt))
        {
            Generation = generation ?? DefaultGeneration,
            Slot = slot,
            StopStrings = stopStrings ?? [],
            IgnoreEos = ignoreEos,
            LoadedDelta = loadedDelta,
        };
        request.Validate();
        return request;
    }
}

/// <summary>The one mapping of an engine result onto the words front doors report.</summary>
public static class FinishReasons
{
    /// <summary>OpenAI's finish_reason: "stop" (eos, stop id or stop string), "length", or the engine's own outcome.</summary>
    public static string ToOpenAi(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "cancelled",
        _ => "error",
    };
}
