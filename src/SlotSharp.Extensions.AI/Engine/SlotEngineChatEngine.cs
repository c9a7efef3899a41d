using SlotSharp.Engine;
using SlotSharp.Pipeline;
using SlotSharp.Tokenization;

namespace SlotSharp.Extensions.AI.Engine;

/// <summary>
/// Runs chat requests on the pipeline's <see cref="SlotEngine"/> (<see cref="SlotPipeline.Engine"/>), so requests of
/// any number of clients over one pipeline decode together in its batch, each with its own SLOT delta.
/// </summary>
internal sealed class SlotEngineChatEngine(SlotPipeline pipeline) : IChatGenerationEngine
{
    public string ModelId => pipeline.ModelId;
    public ITokenizer Tokenizer => pipeline.Tokenizer;
    public double DefaultRepetitionPenalty => pipeline.DefaultRepetitionPenalty;

    public async Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var ids = pipeline.EncodeChat(request.Messages);
        // No EosIds: the engine stops at the pipeline's own end-of-sequence ids.
        var handle = pipeline.Engine.Submit(new EngineRequest(ids) { Generation = request.Generation, Slot = request.Slot }, cancel);
        var delivered = new List<int>();
        await foreach (int id in handle.StreamTokensAsync().ConfigureAwait(false))
        {
            // The engine runs ahead of a slow reader; what it chose after the cancellation is not part of the answer.
            if (cancel.IsCancellationRequested) break;
            delivered.Add(id);
            onToken(id);
        }
        var result = (await handle.Completion.ConfigureAwait(false)).ThrowIfFailed(cancel);
        bool whole = delivered.Count == result.GeneratedIds.Length;
        return new ChatGenerationResult(ids, delivered.ToArray(), whole && result.FinishReason == FinishReason.Stop);
    }
}
