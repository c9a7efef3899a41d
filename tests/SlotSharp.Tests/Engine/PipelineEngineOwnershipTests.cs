using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Pipeline;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Engine;

/// <summary>One engine owns a pipeline's backend at a time (docs/engine.md, "One composition path").</summary>
public class PipelineEngineOwnershipTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    static readonly GenerationOptions FourTokens = new() { MaxNewTokens = 4, StopIds = [] };

    static int[] Len8(Golden golden, out int[] expected)
    {
        var p = golden.Prompt("len8");
        expected = Golden.Ints(p["generate"]!["greedy_times0"])[..4];
        return Golden.Ints(p["input_ids"]);
    }

    [SkippableFact]
    public void ASecondEngineIsRefusedAndGenerateSubmitsToTheOneThatOwnsTheBackend()
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = pipelines.Float32(golden);
        var ids = Len8(golden, out var expected);
        using (var owner = new SlotEngine(pipeline, new EngineOptions { MaxRunning = 2 }))
        {
            Assert.Same(owner, pipeline.Engine);
            Assert.Contains("one engine per pipeline", Assert.Throws<InvalidOperationException>(() => new SlotEngine(pipeline)).Message);
            Assert.Throws<InvalidOperationException>(() => pipeline.Prefill(ids, FourTokens).Dispose()); // direct use would race the engine thread
            Assert.Equal(expected, pipeline.Generate(ids, FourTokens).Generation.GeneratedIds);
            Assert.Equal(1, owner.Metrics.Finished);
        }
        // Disposed, it lets go: the pipeline starts its own engine on the next use.
        Assert.Equal(expected, pipeline.Generate(ids, FourTokens).Generation.GeneratedIds);
    }

    [SkippableFact]
    public void ThePipelinesOwnIdleEngineGivesWayToAnExplicitOneAndToDirectUse()
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = pipelines.Float32(golden);
        var ids = Len8(golden, out var expected);
        Assert.Equal(expected, pipeline.Generate(ids, FourTokens).Generation.GeneratedIds);
        var own = pipeline.Engine;
        using (var explicitEngine = new SlotEngine(pipeline))
        {
            Assert.Same(explicitEngine, pipeline.Engine);
            Assert.Throws<ObjectDisposedException>(() => own.Submit(new EngineRequest(ids)));
        }
        Assert.Equal(expected, pipeline.Generate(ids, FourTokens).Generation.GeneratedIds);
        using var prefill = pipeline.Prefill(ids, FourTokens); // stops the own idle engine instead of racing it
        Assert.Equal(expected[0], Array.IndexOf(prefill.Logits, prefill.Logits.Max()));
    }

    [SkippableFact]
    public void DisposingThePipelineStopsItsEngine()
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = SlotPipeline.Load(golden.ModelDir, new ComputeOptions(CPU, ScalarType.Float32));
        var engine = new SlotEngine(pipeline);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => engine.Submit(new EngineRequest(Len8(golden, out _))));
        Assert.Throws<ObjectDisposedException>(() => pipeline.Engine);
    }
}
