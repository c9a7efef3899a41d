using SlotSharp.Pipeline;

namespace SlotSharp.Cli.Serving;

/// <summary>
/// Runs requests one at a time through <see cref="SlotPipeline.Generate"/> (one model, CPU-bound), with at most
/// maxQueue requests waiting. Each runs on a pool thread, so a streaming handler keeps writing while it decodes.
/// </summary>
internal sealed class SerializedPipelineEngine(SlotPipeline pipeline, int maxQueue) : IGenerationEngine
{
    readonly SemaphoreSlim _gate = new(1, 1);
    int _waiting, _running;

    public int Waiting => Volatile.Read(ref _waiting);
    public int Running => Volatile.Read(ref _running);

    public async Task<SlotGeneration> GenerateAsync(EngineRequest request, Action<int> onToken, CancellationToken cancel)
    {
        // The fast path takes the free model without counting as waiting, so maxQueue 0 still serves one at a time.
        if (!_gate.Wait(0))
        {
            if (Interlocked.Increment(ref _waiting) > maxQueue)
            {
                Interlocked.Decrement(ref _waiting);
                throw new QueueFullException(maxQueue);
            }
            try { await _gate.WaitAsync(cancel); }
            finally { Interlocked.Decrement(ref _waiting); }
        }
        Interlocked.Increment(ref _running);
        try
        {
            return await Task.Run(() => pipeline.Generate(request.PromptIds, request.Generation, request.Slot, onToken: onToken, cancel: cancel), cancel);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            _gate.Release();
        }
    }
}
