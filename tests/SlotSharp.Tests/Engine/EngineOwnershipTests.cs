using SlotSharp.Engine;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Engine;

/// <summary>The engine is its model's backend's only driver: one engine per model at a time (docs/engine.md).</summary>
public class EngineOwnershipTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    static int[] Len8(Golden golden, out int[] expected)
    {
        var p = golden.Prompt("len8");
        expected = Golden.Ints(p["generate"]!["greedy_times0"])[..4];
        return Golden.Ints(p["input_ids"]);
    }

    static EngineRequest FourTokens(int[] ids) => new(ids) { Generation = new GenerationOptions { MaxNewTokens = 4 }, IgnoreEos = true };

    [SkippableFact]
    public void ASecondEngineOnTheSameModelIsRefusedUntilTheFirstIsDisposed()
    {
        var golden = Golden.Load("tiny-qwen2");
        var model = pipelines.Float32(golden).Model;
        var ids = Len8(golden, out var expected);
        using (var owner = new SlotEngine(model, new EngineOptions { MaxRunning = 2 }))
        {
            Assert.Same(model, owner.Model);
            Assert.Contains("one engine per model", Assert.Throws<InvalidOperationException>(() => new SlotEngine(model)).Message);
            Assert.Equal(expected, owner.Generate(FourTokens(ids)).GeneratedIds);
            Assert.Equal(1, owner.Metrics.Finished);
        }
        // Disposed, it lets go: a new engine may drive the model.
        using var next = new SlotEngine(model);
        Assert.Equal(expected, next.Generate(FourTokens(ids)).GeneratedIds);
    }

    [SkippableFact]
    public void DisposingTheModelStopsItsEngine()
    {
        var golden = Golden.Load("tiny-qwen2");
        var model = SlotModel.Load(golden.ModelDir, TestModel.Fp32);
        var engine = new SlotEngine(model);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => engine.Submit(new EngineRequest(Len8(golden, out _))));
    }
}
