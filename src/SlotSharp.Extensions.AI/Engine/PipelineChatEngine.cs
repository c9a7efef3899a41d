using System.Runtime.CompilerServices;
using SlotSharp.Pipeline;
using SlotSharp.Tokenization;

namespace SlotSharp.Extensions.AI.Engine;

/// <summary>
/// Runs chat requests on one in-process <see cref="SlotPipeline"/>, one at a time: a pipeline (its KV cache, its
/// TorchSharp model) is not thread-safe.
/// </summary>
internal sealed class PipelineChatEngine(SlotPipeline pipeline) : IChatGenerationEngine
{
    // One gate per pipeline, not per engine: two clients built over the same pipeline must still take turns.
    static readonly ConditionalWeakTable<SlotPipeline, SemaphoreSlim> Gates = new();

    readonly SemaphoreSlim _gate = Gates.GetValue(pipeline, _ => new SemaphoreSlim(1, 1));

    public string ModelId => pipeline.ModelId;
    public ITokenizer Tokenizer => pipeline.Tokenizer;
    public double DefaultRepetitionPenalty => pipeline.DefaultRepetitionPenalty;

    public async Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            // Generation is CPU-bound and synchronous: keep it off the caller's thread.
            return await Task.Run(() => Generate(request, onToken, cancel), CancellationToken.None).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    ChatGenerationResult Generate(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var ids = pipeline.EncodeChat(request.Messages);
        var generation = request.Generation with { StopIds = pipeline.StopIds.ToArray() };
        var result = pipeline.Generate(ids, generation, request.Slot, onToken: onToken, cancel: cancel).Generation;
        return new ChatGenerationResult(ids, result.GeneratedIds, result.StoppedAtStopId);
    }
}
