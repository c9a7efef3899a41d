using SlotSharp.Engine;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Engine;

/// <summary>Cancellation, admission control and refusal on the TorchSharp backend, checked against the goldens.</summary>
public class EngineLifecycleTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    static EngineRequest GoldenRequest(Golden golden, string prompt, out int[] expected)
    {
        var p = golden.Prompt(prompt);
        var gen = p["generate"]!;
        expected = Golden.Ints(gen["greedy_times0"]);
        return new EngineRequest(Golden.Ints(p["input_ids"])) { Generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]! } };
    }

    [SkippableFact]
    public void CancellingMidDecodeFinishesCancelledAndLetsTheQueuedRequestRun()
    {
        var golden = Golden.Load("tiny-qwen2");
        using var engine = new SlotEngine(pipelines.Float32(golden).Model, new EngineOptions { MaxRunning = 1 });
        using var cts = new CancellationTokenSource();
        // The request cancels itself after its third token, from the engine thread, so the step it takes effect on is fixed.
        var first = engine.Submit(GoldenRequest(golden, "len8", out var firstGolden) with
        {
            Generation = new GenerationOptions { MaxNewTokens = 200 },
            IgnoreEos = true,
            StopWhen = ids => { if (ids.Count == 3) cts.Cancel(); return false; },
        }, cts.Token);
        var queued = engine.Submit(GoldenRequest(golden, "len60", out var queuedGolden));

        var cancelled = first.Completion.GetAwaiter().GetResult();
        Assert.Equal(FinishReason.Cancelled, cancelled.FinishReason);
        Assert.Equal(firstGolden[..3], cancelled.GeneratedIds);
        Assert.Equal(firstGolden[..3], first.Tokens.ReadAllAsync().ToBlockingEnumerable().ToArray());

        var next = queued.Completion.GetAwaiter().GetResult();
        Assert.Equal(queuedGolden, next.GeneratedIds);
        Assert.Equal(EngineRequestState.Finished, queued.State);
        Assert.Equal(0, engine.Metrics.KvReserved);
        Assert.Equal(0, engine.Metrics.Running);
    }

    [SkippableFact]
    public void CancellingAQueuedRequestNeverRunsIt()
    {
        var golden = Golden.Load("tiny-qwen2");
        using var engine = new SlotEngine(pipelines.Float32(golden).Model, new EngineOptions { MaxRunning = 1 });
        using var cts = new CancellationTokenSource();
        var running = engine.Submit(GoldenRequest(golden, "len8", out var expected) with
        {
            StopWhen = ids => { if (ids.Count == 1) cts.Cancel(); return false; },
        });
        var waiting = engine.Submit(GoldenRequest(golden, "len60", out _), cts.Token);
        Assert.Equal(FinishReason.Cancelled, waiting.Completion.GetAwaiter().GetResult().FinishReason);
        Assert.Empty(waiting.Completion.Result.GeneratedIds);
        Assert.Equal(expected, running.Completion.GetAwaiter().GetResult().GeneratedIds);
    }

    [SkippableFact]
    public void WithABudgetForOneRequestTheOthersQueueAndAllComplete()
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = pipelines.Float32(golden);
        var cfg = ((SlotSharp.Backends.TorchBackend)pipeline.Backend).Model.Config;
        long bytesPerPosition = (long)cfg.NumHiddenLayers * cfg.NumKeyValueHeads * cfg.HeadDim * 2 * sizeof(float);
        var names = new[] { "len300", "len60", "len8", "len1", "len60", "len300" };
        // Room for the longest request (300 + 23 positions) but never for two of them side by side.
        using var engine = new SlotEngine(pipeline.Model, new EngineOptions { KvBudgetBytes = 330 * bytesPerPosition });
        int longestAlongside = 0;
        long mostReserved = 0;
        var expected = new List<int[]>();
        var handles = new List<EngineHandle>();
        foreach (var name in names)
        {
            var request = GoldenRequest(golden, name, out var ids) with
            {
                StopWhen = _ =>
                {
                    var m = engine.Metrics;
                    mostReserved = Math.Max(mostReserved, m.KvReserved);
                    if (name == "len300") longestAlongside = Math.Max(longestAlongside, m.Running);
                    return false;
                },
            };
            expected.Add(ids);
            handles.Add(engine.Submit(request));
        }
        for (int i = 0; i < handles.Count; i++)
            Assert.Equal(expected[i], handles[i].Completion.GetAwaiter().GetResult().GeneratedIds);
        Assert.Equal(1, longestAlongside);
        Assert.InRange(mostReserved, 1, 330 * bytesPerPosition);
        Assert.Equal(0, engine.Metrics.KvReserved);
        Assert.Equal(names.Length, engine.Metrics.Finished);
    }

    [SkippableFact]
    public void ARequestLargerThanTheWholeBudgetIsRefusedAtSubmit()
    {
        var golden = Golden.Load("tiny-qwen2");
        using var engine = new SlotEngine(pipelines.Float32(golden).Model, new EngineOptions { KvBudgetBytes = 1024 });
        var e = Assert.Throws<SlotSharpException>(() => engine.Submit(GoldenRequest(golden, "len8", out _)));
        Assert.Contains("budget", e.Message);
    }

    /// <summary>Non-finite logits (here from a NaN delta) used to throw on the engine thread and end the process.</summary>
    [SkippableFact]
    public void NonFiniteLogitsEndOnlyTheirOwnRequest()
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = pipelines.Float32(golden);
        using var engine = new SlotEngine(pipeline.Model);
        var healthy = engine.Submit(GoldenRequest(golden, "len60", out var expected));
        var delta = new float[pipeline.HiddenSize];
        delta[3] = float.NaN;
        var broken = engine.Submit(GoldenRequest(golden, "len8", out _) with { LoadedDelta = delta });
        var failed = broken.Completion.GetAwaiter().GetResult();
        Assert.Equal(FinishReason.Error, failed.FinishReason);
        Assert.Contains("non-finite logits", Assert.IsType<SlotSharpException>(failed.Error).Message);
        Assert.Equal(expected, healthy.Completion.GetAwaiter().GetResult().GeneratedIds);
        Assert.Equal(expected, engine.Generate(GoldenRequest(golden, "len60", out _)).GeneratedIds); // the engine goes on
    }

    [SkippableFact]
    public void DisposingCancelsWhatIsStillQueued()
    {
        var golden = Golden.Load("tiny-qwen2");
        EngineHandle waiting;
        using (var engine = new SlotEngine(pipelines.Float32(golden).Model, new EngineOptions { MaxRunning = 1 }))
        {
            engine.Submit(GoldenRequest(golden, "len300", out _) with { Generation = new GenerationOptions { MaxNewTokens = 200 }, IgnoreEos = true });
            waiting = engine.Submit(GoldenRequest(golden, "len8", out _));
        }
        Assert.Equal(FinishReason.Cancelled, waiting.Completion.Result.FinishReason);
    }
}
