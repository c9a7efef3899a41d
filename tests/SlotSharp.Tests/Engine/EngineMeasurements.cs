using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Runtime;
using SlotSharp.Tests.Gguf;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// Measurements recorded in docs/engine.md, not checks: they run only with SLOTSHARP_MEASURE=1 and print their numbers.
/// Command: SLOTSHARP_MEASURE=1 dotnet test SlotSharp.slnx -c Release --no-build --filter "FullyQualifiedName~EngineMeasurements"
/// --logger "console;verbosity=detailed"
/// </summary>
public class EngineMeasurements(ConvertedModels models, ITestOutputHelper output) : IClassFixture<ConvertedModels>
{
    static void RequireOptIn() => Skip.IfNot(Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE") == "1", "set SLOTSHARP_MEASURE=1 to measure");

    /// <summary>
    /// Each golden prompt decodes greedily inside a llama.cpp batch of 16 (itself plus the other goldens repeated), then
    /// alone, fed the batched run's tokens: the largest logit difference per prompt and the steps whose argmax differs.
    /// </summary>
    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void LlamaCppBatchedVersusSoloLogits(string model)
    {
        RequireOptIn();
        var golden = Golden.Load(model);
        var prompts = golden.Prompts.Select(p => Golden.Ints(p["input_ids"])).ToArray();
        using var backend = LlamaCppBackend.Load(models.F32(model), new LlamaCppOptions { ContextSize = 8192, MaxSequences = 16, Threads = 2 });
        const int steps = 24;
        for (int target = 0; target < prompts.Length; target++)
        {
            var batch = Enumerable.Range(0, 16).Select(i => prompts[(target + i) % prompts.Length]).ToArray();
            var (batchedLogits, tokens) = Decode(backend, batch, steps, forced: null);
            var (soloLogits, _) = Decode(backend, [batch[0]], steps, forced: tokens);
            double largest = 0;
            int flips = 0;
            for (int s = 0; s < steps; s++)
            {
                for (int v = 0; v < soloLogits[s].Length; v++) largest = Math.Max(largest, Math.Abs(soloLogits[s][v] - batchedLogits[s][v]));
                if (ArgMax(soloLogits[s]) != ArgMax(batchedLogits[s])) flips++;
            }
            output.WriteLine($"{model} prompt {target} ({prompts[target].Length} tokens): max |batched - solo| logit = {largest:E2}, argmax differs at {flips}/{steps} steps");
        }
    }

    /// <summary>
    /// Prefill throughput against the engine's chunk size (docs/engine.md, PrefillChunkTokens): a 2048-token prompt of
    /// tiny-qwen2 run chunk by chunk on each backend, best of 3; a chunk's milliseconds are what a running decode waits.
    /// </summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void PrefillThroughputByChunkSize(string backendName)
    {
        RequireOptIn();
        var golden = Golden.Load("tiny-qwen2");
        var seed = Golden.Ints(golden.Prompt("len300")["input_ids"]);
        var prompt = Enumerable.Range(0, 2048).Select(i => seed[i % seed.Length]).ToArray();
        IModelBackend backend = backendName == "torch"
            ? new TorchBackend(ModelCache.Float32(golden))
            : LlamaCppBackend.Load(models.F32("tiny-qwen2"), new LlamaCppOptions { ContextSize = 4096, MaxSequences = 1, Threads = 2 });
        try
        {
            foreach (int chunk in new[] { 16, 64, 128, 256, 512 })
            {
                // CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
                double best = double.MaxValue, bestCpu = double.MaxValue;
                int chunks = 0;
                var process = Process.GetCurrentProcess();
                for (int rep = 0; rep < 3; rep++)
                {
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    using var run = backend.StartPrefill(prompt, keepHidden: false, prompt.Length);
                    for (chunks = 0; !run.Finished; chunks++) run.Advance(chunk);
                    using var sequence = run.Complete();
                    best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
                    process.Refresh();
                    bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
                }
                output.WriteLine($"{backendName} chunk {chunk}: wall {prompt.Length / best * 1000:F0} tok/s ({best / chunks:F1} ms per chunk), " +
                    $"CPU {prompt.Length / bestCpu * 1000:F0} tok/s ({bestCpu / chunks:F1} ms per chunk), {chunks} chunks");
            }
        }
        finally
        {
            if (backend is LlamaCppBackend) backend.Dispose(); // the TorchSharp one would dispose the shared model
        }
    }

    /// <summary>Greedy decoding of batch[0..]; returns sequence 0's logits before every step and the tokens it chose (or was fed).</summary>
    static (List<float[]> Logits, int[] Tokens) Decode(LlamaCppBackend backend, int[][] batch, int steps, int[]? forced)
    {
        var sequences = batch.Select(ids => backend.Prefill(ids, keepHidden: false, expectedLength: ids.Length + steps)).ToArray();
        try
        {
            var logits = new List<float[]>();
            var chosen = new int[steps];
            for (int s = 0; s < steps; s++)
            {
                logits.Add((float[])sequences[0].Logits.Clone());
                var next = sequences.Select(q => ArgMax(q.Logits)).ToArray();
                if (forced != null) next[0] = forced[s];
                chosen[s] = next[0];
                backend.Step(sequences, next);
            }
            return (logits, chosen);
        }
        finally
        {
            foreach (var q in sequences) q.Dispose();
        }
    }

    static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// Whether k SLOT stages due in one step should share their passes over W: k matrix-vector products W delta_i
    /// against one product W [delta_1 .. delta_k], at Qwen2.5-0.5B's head shape (151936 x 896, float32), best of 5.
    /// </summary>
    [SkippableFact]
    public void SharedPassOverW()
    {
        RequireOptIn();
        using var scope = NewDisposeScope();
        var w = randn(151936, 896);
        foreach (int k in new[] { 1, 2, 4, 8, 16 })
        {
            var deltas = randn(896, k);
            var columns = Enumerable.Range(0, k).Select(i => deltas[.., i].contiguous()).ToArray();
            double separate = Best(() => { foreach (var d in columns) MatVec.Mv(w, d).Dispose(); });
            double shared = Best(() => w.mm(deltas).Dispose());
            var rows = deltas.t().contiguous();
            double blocked = Best(() => MatVec.MvMany(w, rows).Dispose());
            var residuals = randn(k, 151936);
            var residualRows = Enumerable.Range(0, k).Select(i => residuals[i].contiguous()).ToArray();
            double separateT = Best(() => { foreach (var r in residualRows) MatVec.Tv(w, r).Dispose(); });
            double sharedT = Best(() => residuals.mm(w).Dispose());
            double blockedT = Best(() => MatVec.TvMany(w, residuals).Dispose());
            output.WriteLine($"k={k}: {k} x W delta {separate:F1} ms, W [deltas] {shared:F1} ms (mm), {blocked:F1} ms (MvMany); "
                + $"{k} x Wt r {separateT:F1} ms, [r]t W {sharedT:F1} ms (mm), {blockedT:F1} ms (TvMany)");
        }
    }

    static double Best(Action action)
    {
        action();
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    /// <summary>
    /// n choices on forks against n separate requests submitted together (docs/engine.md, "Choices"): llama.cpp,
    /// tiny-qwen2's F32 GGUF, the 300-token golden prompt, 8 sampled completions of 32 tokens, SLOT off and times 5;
    /// rounds interleaved, best of 3 each, and the ratio.
    /// </summary>
    [SkippableFact]
    public void ChoicesOnForksVersusSeparateRequests()
    {
        RequireOptIn();
        var golden = Golden.Load("tiny-qwen2");
        var ids = Golden.Ints(golden.Prompt("len300")["input_ids"]);
        using var model = TestModel.Load(models.F32("tiny-qwen2"), new ModelLoadOptions
        {
            LlamaCpp = new LlamaCppOptions { ContextSize = 8192, MaxSequences = 16, Threads = 2 },
        });
        model.Warn = _ => { };
        var engine = model.Engine;
        foreach (var times in new[] { 0, 5 })
        {
            SlotSharp.Engine.EngineRequest Request(int seed, int choices) => new(ids)
            {
                Generation = new SlotSharp.Generation.GenerationOptions { MaxNewTokens = 32, Temperature = 1, Seed = seed },
                IgnoreEos = true, Choices = choices, Slot = new SlotSharp.Slot.SlotOptions { Times = times, Lr = 0.1 },
            };
            double forks = double.MaxValue, separate = double.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                var clock = Stopwatch.StartNew();
                engine.Submit(Request(1, 8)).Choices.GetAwaiter().GetResult();
                forks = Math.Min(forks, clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                var handles = Enumerable.Range(0, 8).Select(j => engine.Submit(Request(1 + j, 1))).ToArray();
                foreach (var h in handles) h.Completion.GetAwaiter().GetResult();
                separate = Math.Min(separate, clock.Elapsed.TotalMilliseconds);
            }
            output.WriteLine($"times {times}: n=8 on forks {forks:F0} ms, 8 separate requests {separate:F0} ms, ratio {separate / forks:F2}x");
        }
    }
}
