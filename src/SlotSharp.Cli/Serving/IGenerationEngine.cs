using SlotSharp.Generation;
using SlotSharp.Pipeline;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Serving;

/// <summary>One checked request for the engine: prompt ids, decoding settings (stop ids included) and SLOT settings.</summary>
internal sealed record EngineRequest(int[] PromptIds, GenerationOptions Generation, SlotOptions Slot);

/// <summary>
/// What the HTTP layer needs from whatever runs the model: the seam where a batching engine replaces the
/// serialized pipeline. <see cref="GenerateAsync"/> calls onToken (on any thread) for each generated token and
/// throws <see cref="QueueFullException"/> when no more requests may wait; cancelling stops the request
/// (OperationCanceledException before decoding, the tokens so far once decoding).
/// </summary>
internal interface IGenerationEngine
{
    /// <summary>Requests waiting for their turn.</summary>
    int Waiting { get; }
    /// <summary>Requests on the model now.</summary>
    int Running { get; }

    Task<SlotGeneration> GenerateAsync(EngineRequest request, Action<int> onToken, CancellationToken cancel);
}

/// <summary>The wait queue is full: the server answers 429.</summary>
internal sealed class QueueFullException(int maxQueue)
    : Exception($"the server is busy: {maxQueue} requests are already waiting; retry later");
