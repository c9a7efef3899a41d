using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Tokenization;

namespace SlotSharp.Extensions.AI.Engine;

/// <summary>
/// Runs chat requests on a <see cref="SlotEngine"/>, so requests of any number of clients over one model decode
/// together in its batch, each with its own SLOT delta. Requests are built by the one <see cref="RequestBuilder"/>:
/// the model's eos ids and the request's stop strings end decoding inside the engine.
/// </summary>
internal sealed class EngineChatGenerator(SlotEngine engine) : IChatGenerator
{
    readonly RequestBuilder _requests = new(engine.Model);

    public string ModelId => engine.Model.ModelId;
    public ChatTemplate Template => engine.Model.Chat;
    public ITokenizer Tokenizer => engine.Model.Tokenizer;
    public double DefaultRepetitionPenalty => engine.Model.DefaultRepetitionPenalty;

    public async Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        // Built once per tokenizer: on the caller's thread, not the engine's (docs/structured-outputs.md).
        if (request.Constraint != null) SlotSharp.Generation.Constraints.VocabularyTrie.For(Tokenizer);
        var built = _requests.Build(PromptInput.FromMessages(request.Messages) with { Tools = request.Tools }, request.Generation, request.Slot, request.StopSequences)
            with { Logprobs = request.Logprobs, Constraint = request.Constraint };
        var handle = engine.Submit(built, cancel);
        var delivered = new List<int>();
        // The stream ends when the request does; the cancellation reaches the engine through Submit.
        await foreach (int id in handle.StreamTokensAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // The engine runs ahead of a slow reader; what it chose after the cancellation is not part of the answer.
            if (cancel.IsCancellationRequested) break;
            delivered.Add(id);
            onToken(id);
        }
        var result = (await handle.Completion.ConfigureAwait(false)).ThrowIfFailed(cancel);
        bool whole = delivered.Count == result.GeneratedIds.Length;
        return new ChatGenerationResult(built.PromptIds.ToArray(), delivered.ToArray(), whole && result.FinishReason == FinishReason.Stop)
        {
            Logprobs = result.Logprobs?.Take(delivered.Count).ToArray(),
        };
    }
}
