using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SlotSharp.Backends;
using SlotSharp.Server;
using SlotSharp.Evaluation;
using SlotSharp.Generation;

using SlotSharp.Slot;
using TorchSharp;

namespace SlotSharp.Tests.Ownership;

/// <summary>Live tensor counts are process-wide (torch.Tensor.TotalCount): these tests must not overlap other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCollection
{
    public const string Name = "Live tensor counts";
}

/// <summary>
/// docs/ownership.md: after a generation, a SLOT run, an eval step or a served request every tensor it made is
/// disposed, and memory stays flat over many generations. Same-thread work is counted with TorchSharp's per-thread
/// statistics (a finalizer running meanwhile cannot hide a leak there: it counts on its own thread); the served
/// request runs on Kestrel's threads, so it is counted process-wide.
/// </summary>
[Collection(LiveTensorCollection.Name)]
public class LiveTensorCountTests
{
    static long ThreadLive => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    static void AssertNoTensorLeftAlive(Action work)
    {
        work(); // warm-up: lazily made long-lived tensors (the pipeline's float32 W, grown RoPE tables) appear here
        long before = ThreadLive;
        work();
        Assert.Equal(before, ThreadLive);
    }

    [SkippableFact]
    public void GenerationLeavesNoTensorAlive()
    {
        using var runs = new TinyQwenRuns();
        AssertNoTensorLeftAlive(() => Assert.Equal(runs.Expected(false, 8), runs.Generate(false, 8)));
    }

    [SkippableFact]
    public void LlamaCppSlotPrefillLeavesNoTensorAlive()
    {
        // A SLOT prefill on llama.cpp gathers H and the prompt logits into tensors: the sequence owns them once handed
        // over, the run until then (a run abandoned half-way, e.g. a cancelled request, must free them too).
        var dir = Directory.CreateTempSubdirectory("slotsharp-live-").FullName;
        try
        {
            var gguf = Path.Combine(dir, "tiny-qwen2.f32.gguf");
            SlotSharp.Gguf.GgufConverter.Convert(SharedAssets.Require("models", "tiny-qwen2"), gguf, SlotSharp.Gguf.GgufFileType.F32);
            using var backend = SlotSharp.Backends.LlamaCppBackend.Load(gguf, new SlotSharp.Backends.LlamaCppOptions { ContextSize = 512, MaxSequences = 1, Threads = 2 });
            int[] ids = [.. Enumerable.Range(100, 40)];
            AssertNoTensorLeftAlive(() =>
            {
                using (var sequence = backend.Prefill(ids, keepHidden: true, ids.Length + 1))
                    Assert.NotNull(sequence.PromptLogits);
                using var run = backend.StartPrefill(ids, keepHidden: true, ids.Length + 1);
                run.Advance(16);
            });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [SkippableFact]
    public void SlotRunLeavesNoTensorAlive()
    {
        using var runs = new TinyQwenRuns();
        AssertNoTensorLeftAlive(() => Assert.Equal(runs.Expected(true, 8), runs.Generate(true, 8)));
        AssertNoTensorLeftAlive(() =>
        {
            using var prefill = runs.Pipeline.Prefill(runs.PromptIds, new GenerationOptions { MaxNewTokens = 0 });
            var result = runs.Pipeline.RunSlot(prefill, TinyQwenRuns.Slot with { Impl = SlotImplKind.Reference });
            Assert.Equal(6, result.Losses.Count);
        });
    }

    [SkippableFact]
    public void EvalStepLeavesNoTensorAlive()
    {
        using var runs = new TinyQwenRuns();
        using var engine = new EngineEvalModel(runs.Pipeline.Engine, new SlotOptions());
        var prompt = new EvalPrompt(0, [new EvalMessage("user", "What is 2 + 3?")], 7);
        AssertNoTensorLeftAlive(() =>
        {
            var completions = engine.Complete([prompt], [new SlotSetting("0", "0.1"), new SlotSetting("2", "0.1")], new EvalGeneration(6, false, 0));
            Assert.Equal(2, completions[0].Count);
        });
    }

    [SkippableFact]
    public async Task ServedRequestLeavesNoTensorAlive()
    {
        using var runs = new TinyQwenRuns();
        await using var app = new SlotServer(runs.Pipeline.Model, new SlotOptions { Times = 0 }).Build("http://127.0.0.1:0");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        async Task<int[]> Post()
        {
            var response = await http.PostAsJsonAsync("/v1/generate", new JsonObject
            {
                ["prompt_ids"] = new JsonArray([.. runs.PromptIds.Select(i => (JsonNode)i)]), ["max_new_tokens"] = 8, ["times"] = 5, ["lr"] = 0.1,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Golden.Ints((await response.Content.ReadFromJsonAsync<JsonObject>())!["generated_ids"]);
        }

        Assert.Equal(runs.Expected(true, 8), await Post()); // warm-up
        // Finalize everything already unreachable first, so that no earlier garbage is counted down during the request.
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long before = torch.Tensor.TotalCount;
        Assert.Equal(runs.Expected(true, 8), await Post());
        Assert.Equal(before, torch.Tensor.TotalCount);
        await app.StopAsync();
    }

    [SkippableFact]
    public void MemoryStaysFlatOver200Generations()
    {
        using var runs = new TinyQwenRuns();
        static bool Slot(int i) => i % 8 == 7;
        for (int i = 0; i < 16; i++) runs.Generate(Slot(i), 2); // warm-up: allocator pools, JIT, lazy tensors
        long live = ThreadLive;
        var (managed, native) = Memory();
        for (int i = 0; i < 200; i++) Assert.Equal(runs.Expected(Slot(i), 2), runs.Generate(Slot(i), 2));
        var (managedAfter, nativeAfter) = Memory();
        // Process-wide native memory also moves with whatever else the test host still runs (other classes' models,
        // server threads winding down, allocator pools settling). A leak keeps growing in every window of 200; that noise
        // dies out, so up to two more windows are measured before the growth counts.
        for (int window = 0; window < 2 && nativeAfter - native >= 48L << 20; window++)
        {
            (managed, native) = (managedAfter, nativeAfter);
            for (int i = 0; i < 200; i++) Assert.Equal(runs.Expected(Slot(i), 2), runs.Generate(Slot(i), 2));
            (managedAfter, nativeAfter) = Memory();
        }

        Assert.Equal(live, ThreadLive);
        // One leaked logit row per generation (V floats = 0.6 MB) would be 120 MB here.
        Assert.True(managedAfter - managed < 16L << 20, $"managed memory grew by {(managedAfter - managed) >> 10} KiB");
        Assert.True(nativeAfter - native < 48L << 20, $"process memory outside the managed heap grew by {(nativeAfter - native) >> 10} KiB");
    }

    /// <summary>Managed heap bytes after a full collection, and the rest of the process's resident memory.</summary>
    static (long Managed, long Native) Memory()
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (managed, process.WorkingSet64 - managed);
    }
}
