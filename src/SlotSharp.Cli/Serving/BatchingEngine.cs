using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Pipeline;

namespace SlotSharp.Cli.Serving;

/// <summary>
/// The server's requests on <see cref="SlotEngine"/>: continuous batching, each request with its own SLOT delta.
/// Keeps <see cref="IGenerationEngine"/>'s contract: tokens stream through onToken as the engine produces them;
/// a request cancelled before it decodes throws OperationCanceledException, one cancelled while decoding returns
/// the tokens so far (the server cancels to end at a stop string); a full queue throws <see cref="QueueFullException"/>.
/// </summary>
internal sealed class BatchingEngine(SlotEngine engine, int maxQueue) : IGenerationEngine, IDisposable
{
    public int Waiting => engine.Metrics.Queued;
    public int Running => engine.Metrics.Running;

    public async Task<SlotGeneration> GenerateAsync(EngineRequest request, Action<int> onToken, CancellationToken cancel)
    {
        EngineHandle handle;
        try
        {
            handle = engine.Submit(new Engine.EngineRequest(request.PromptIds)
            {
                Generation = request.Generation,
                EosIds = [], // the server puts the eos ids it wants (none for ignore_eos) into Generation.StopIds
                Slot = request.Slot,
            }, cancel);
        }
        catch (EngineOverloadedException) { throw new QueueFullException(maxQueue); }
        await foreach (var id in handle.Tokens.ReadAllAsync(CancellationToken.None)) onToken(id);
        var result = await handle.Completion;
        switch (result.FinishReason)
        {
            case FinishReason.Error: throw result.Error ?? new InvalidOperationException("the engine failed without an error");
            case FinishReason.Cancelled when result.GeneratedIds.Length == 0: throw new OperationCanceledException(cancel);
        }
        var t = result.Timings;
        var generation = new GenerationResult(result.PromptIds, result.GeneratedIds,
            new GenerationTiming(t.PrefillMs, t.SlotStageMs, t.DecodeMs, Math.Max(0, result.GeneratedIds.Length - 1)),
            result.FinishReason == FinishReason.Stop);
        return new SlotGeneration(generation, result.Slot);
    }

    public void Dispose() => engine.Dispose();
}
