using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Generation;

using SlotSharp.Slot;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// A long prompt admitted while another request decodes is prefilled one chunk per engine step, then runs its SLOT stage
/// one optimizer step per engine step: the decoder gets a token between every two of them (counted on the engine
/// thread itself, no clocks), both requests still produce their goldens, the long one the same ids as with its prefill
/// in one chunk, and cancelling it mid-prefill or mid-stage frees it at the next step. On both backends.
/// </summary>
public class EngineChunkedPrefillTests(PipelineFixture pipelines, ConvertedModels models)
    : IClassFixture<PipelineFixture>, IClassFixture<ConvertedModels>
{
    const int Chunk = 32;

    /// <summary>tiny-qwen2 on TorchSharp (the fixture's, not disposed) or on llama.cpp (its F32 GGUF, disposed by the caller).</summary>
    TestModel Pipeline(string backend, Golden golden, out IDisposable? owned)
    {
        owned = null;
        if (backend == "torch") return pipelines.Float32(golden);
        var p = TestModel.Load(models.F32("tiny-qwen2"), new ModelLoadOptions
        {
            LlamaCpp = new LlamaCppOptions { ContextSize = 2048, MaxSequences = 4, Threads = 2 },
        });
        p.Warn = _ => { };
        owned = p;
        return p;
    }

    static EngineRequest Golden(Golden golden, string prompt, bool slot, out int[] expected)
    {
        var p = golden.Prompt(prompt);
        var gen = p["generate"]!;
        expected = Tests.Golden.Ints(gen[slot ? "greedy_seed_times5_lr0.1" : "greedy_times0"]);
        return new EngineRequest(Tests.Golden.Ints(p["input_ids"]))
        {
            Generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]! },
            Slot = slot ? new SlotOptions { Times = 5, Lr = 0.1 } : null,
        };
    }

    [SkippableTheory]
    [InlineData("torch", false)]
    [InlineData("torch", true)]
    [InlineData("llamacpp", false)]
    [InlineData("llamacpp", true)]
    public void TheDecoderGetsATokenBetweenEveryTwoChunksOfALongPrompt(string backend, bool slot)
    {
        var golden = Tests.Golden.Load("tiny-qwen2");
        var pipeline = Pipeline(backend, golden, out var owned);
        using var ownedPipeline = owned;
        var longRequest = Golden(golden, "len300", slot, out var longExpected);
        int[] unchunked;
        using (var oneChunk = new SlotEngine(pipeline.Model, new EngineOptions { PrefillChunkTokens = 512 }))
            unchunked = oneChunk.Generate(longRequest).GeneratedIds;

        using var engine = new SlotEngine(pipeline.Model, new EngineOptions { PrefillChunkTokens = Chunk });
        EngineHandle? longHandle = null;
        var statesSeen = new List<EngineRequestState>(); // the long request's state at each of the decoder's tokens
        // The decoder submits the long request at its first token, from the engine thread, so the step it is admitted
        // in is fixed and the count below is exact.
        var decoder = engine.Submit(Golden(golden, "len8", slot: false, out var decoderExpected) with
        {
            StopWhen = ids =>
            {
                if (ids.Count == 1) longHandle = engine.Submit(longRequest);
                else statesSeen.Add(longHandle!.State);
                return false;
            },
        });
        var decoded = decoder.Completion.GetAwaiter().GetResult();
        var prefilled = longHandle!.Completion.GetAwaiter().GetResult();

        Assert.Equal(decoderExpected, decoded.GeneratedIds);
        Assert.Equal(longExpected, prefilled.GeneratedIds);
        Assert.Equal(unchunked, prefilled.GeneratedIds);
        // 300 positions are 10 chunks, one per step, each in the same backend call as the decoder's token. The request
        // leaves the prefill after that call: without a prompt stage it chooses its first token in the next step; with
        // one, the stage starts in the next step (the prompt's product with W) and takes one optimizer step per step
        // after it, joining the batch in its fifth.
        int chunks = (300 + Chunk - 1) / Chunk;
        Assert.Equal(chunks, statesSeen.Count(s => s == EngineRequestState.Prefill));
        Assert.Equal(slot ? 5 : 0, statesSeen.Count(s => s == EngineRequestState.SlotStage));
        Assert.DoesNotContain(EngineRequestState.Queued, statesSeen);
        Assert.Equal(EngineRequestState.Decode, statesSeen[^1]);
        Assert.Equal(0, engine.Metrics.KvReserved);
    }

    [SkippableTheory]
    [InlineData("torch", EngineRequestState.Prefill)]
    [InlineData("torch", EngineRequestState.SlotStage)]
    [InlineData("llamacpp", EngineRequestState.Prefill)]
    [InlineData("llamacpp", EngineRequestState.SlotStage)]
    public void CancellingDuringThePromptPhaseFreesTheRequestAtTheNextStep(string backend, EngineRequestState phase)
    {
        var golden = Tests.Golden.Load("tiny-qwen2");
        var pipeline = Pipeline(backend, golden, out var owned);
        using var ownedPipeline = owned;
        using var engine = new SlotEngine(pipeline.Model, new EngineOptions { PrefillChunkTokens = Chunk });
        using var cts = new CancellationTokenSource();
        EngineHandle? longHandle = null;
        int tokensInPhase = 0;
        EngineRequestState? stateAfterCancel = null;
        EngineMetrics? metricsAfterCancel = null, metricsBeforeCancel = null;
        var decoder = engine.Submit(Golden(golden, "len8", slot: false, out var decoderExpected) with
        {
            StopWhen = ids =>
            {
                if (ids.Count == 1) { longHandle = engine.Submit(Golden(golden, "len300", slot: true, out _), cts.Token); return false; }
                if (cts.IsCancellationRequested && stateAfterCancel == null)
                {
                    stateAfterCancel = longHandle!.State;
                    metricsAfterCancel = engine.Metrics;
                }
                else if (longHandle!.State == phase && ++tokensInPhase == 3)
                {
                    metricsBeforeCancel = engine.Metrics;
                    cts.Cancel();
                }
                return false;
            },
        });
        var decoded = decoder.Completion.GetAwaiter().GetResult();
        var cancelled = longHandle!.Completion.GetAwaiter().GetResult();

        Assert.Equal(decoderExpected, decoded.GeneratedIds);
        Assert.Equal(FinishReason.Cancelled, cancelled.FinishReason);
        Assert.Empty(cancelled.GeneratedIds);
        Assert.Null(cancelled.Slot);
        Assert.Equal(EngineRequestState.Finished, stateAfterCancel);
        Assert.Equal(2, metricsBeforeCancel!.Running);
        Assert.Equal(1, metricsAfterCancel!.Running); // only the decoder is admitted now
        Assert.True(metricsAfterCancel.KvReserved < metricsBeforeCancel.KvReserved);
        // The decoder's, plus the long prompt once its prefill has finished.
        Assert.Equal(phase == EngineRequestState.Prefill ? 8 : 308, metricsAfterCancel.PromptTokens);
        Assert.Equal(0, metricsAfterCancel.SlotStages);
        Assert.Equal(0, engine.Metrics.KvReserved);
    }
}
