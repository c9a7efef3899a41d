using SlotSharp.Engine;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Engine;

/// <summary>The queue bound counts requests waiting beyond the free places.</summary>
public class EngineQueueTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    [SkippableFact]
    public void AnEmptyQueueStillServesOneRequestAtATime()
    {
        // Regression: with MaxQueued 0 every request was refused, even on an idle engine (`slot serve --max-queue 0`).
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        var model = pipelines.Float32(golden).Model;
        using var engine = new SlotEngine(model, new EngineOptions { MaxRunning = 1, MaxQueued = 0 });
        using var hold = new CancellationTokenSource();
        // Long enough that the first request is still decoding when the second arrives, however the machine is loaded
        // (200 tokens once ended first on a busy CI machine); the hold cancels it.
        var request = new EngineRequest(Golden.Ints(p["input_ids"])) { Generation = new GenerationOptions { MaxNewTokens = 4000 }, IgnoreEos = true };
        var first = engine.Submit(request, hold.Token);               // takes the one place
        first.Tokens.ReadAsync().AsTask().GetAwaiter().GetResult();   // now decoding
        Assert.Throws<EngineOverloadedException>(() => engine.Submit(request)); // no place free, none may wait
        hold.Cancel();
        first.Completion.GetAwaiter().GetResult();
        var expected = Golden.Ints(p["generate"]!["greedy_times0"]);
        var second = engine.Generate(request with { Generation = new GenerationOptions { MaxNewTokens = expected.Length } });
        Assert.Equal(expected, second.GeneratedIds);
    }
}
