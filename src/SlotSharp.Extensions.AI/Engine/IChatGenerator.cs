using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tokenization;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;

namespace SlotSharp.Extensions.AI.Engine;

/// <summary>
/// One chat completion to run: the conversation, the resolved settings, the stop strings (eos ids are the model's) and
/// the tools to render into the template (OpenAI tool objects; null for none).
/// </summary>
internal sealed record ChatGenerationRequest(IReadOnlyList<SlotChatMessage> Messages, GenerationOptions Generation, SlotOptions Slot)
{
    public IReadOnlyList<string> StopSequences { get; init; } = [];
    public IReadOnlyList<object?>? Tools { get; init; }
    /// <summary>Record each generated token's log-probability with this many alternatives (null: none).</summary>
    public int? Logprobs { get; init; }
    /// <summary>The output constraint (ChatOptions.ResponseFormat Json), null for text.</summary>
    public SlotSharp.Generation.Constraints.OutputConstraint? Constraint { get; init; }
}

/// <summary>What the engine did: the rendered prompt's ids, the ids it generated and, when asked, their log-probabilities.</summary>
internal sealed record ChatGenerationResult(int[] PromptIds, int[] GeneratedIds, bool StoppedAtStopId)
{
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }
}

/// <summary>
/// The seam between <see cref="SlotChatClient"/> and whatever runs the model: <see cref="EngineChatGenerator"/>
/// submits to the model's batching engine; tests put scripted or recording engines here. The client itself only
/// maps options, detokenizes and cuts stop sequences.
/// </summary>
internal interface IChatGenerator
{
    /// <summary>The model id the client reports and checks ChatOptions.ModelId against.</summary>
    string ModelId { get; }

    /// <summary>The model's chat template: what it does with tools decides how a request's tools are served.</summary>
    ChatTemplate Template { get; }

    /// <summary>Decodes the generated ids into text.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>generation_config.json's repetition_penalty, used when a request gives none.</summary>
    double DefaultRepetitionPenalty { get; }

    /// <summary>
    /// Renders (with the request's tools) and encodes the messages with the model's chat template, runs SLOT and decoding with the model's stop
    /// ids, calling <paramref name="onToken"/> for each generated id as it is chosen. Decoding ends at the next step
    /// once <paramref name="cancel"/> is cancelled (the ids so far are returned); cancelled before or during the prefill
    /// or SLOT stage it throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel);
}
