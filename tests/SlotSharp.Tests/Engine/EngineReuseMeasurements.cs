using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;
using Xunit.Abstractions;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// What reuse buys (docs/engine.md): time to first token with a cached system prompt, and a sweep's wall time on forks.
/// Measurements, not checks: they run only with SLOTSHARP_MEASURE_GGUF set to a GGUF file (the benchmarks' random
/// Qwen2.5-0.5B shape) and print their numbers.
/// Command: SLOTSHARP_MEASURE_GGUF=/tmp/bench-gguf/random-qwen2.5-0.5b.q8_0.gguf dotnet test SlotSharp.slnx -c Release
/// --no-build --filter "FullyQualifiedName~EngineReuseMeasurements" --logger "console;verbosity=detailed"
/// </summary>
public class EngineReuseMeasurements(ITestOutputHelper output)
{
    static string Gguf()
    {
        var path = Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE_GGUF");
        Skip.If(string.IsNullOrEmpty(path), "set SLOTSHARP_MEASURE_GGUF to a GGUF file to measure");
        return path!;
    }

    /// <summary>Four SLOT settings on one 64-token prompt (128 new tokens each) against one setting, rounds interleaved.</summary>
    [SkippableFact]
    public void SweepOfFourSettingsAgainstOne()
    {
        using var model = SlotModel.Load(Gguf(), new ModelLoadOptions { LlamaCpp = new LlamaCppOptions { ContextSize = 4096, MaxSequences = 8, Threads = 2 } });
        using var engine = new SlotEngine(model, new EngineOptions { PrefixCache = false });
        var random = new Random(2);
        SlotOptions?[] sweep = [new SlotOptions { Times = 5, Lr = 0.1 }, new SlotOptions { Times = 5, Lr = 0.05 }, new SlotOptions { Times = 3, Lr = 0.1 }, new SlotOptions { Times = 1, Lr = 0.1 }];
        double Run(SlotOptions?[] branches)
        {
            var prompt = Enumerable.Range(0, 64).Select(_ => random.Next(1000, 30000)).ToArray();
            var clock = Stopwatch.StartNew();
            var results = engine.SubmitBranches(new EngineRequest(prompt) { Generation = new GenerationOptions { MaxNewTokens = 128 }, IgnoreEos = true }, branches)
                .GetAwaiter().GetResult();
            foreach (var r in results) r.ThrowIfFailed();
            return clock.Elapsed.TotalMilliseconds;
        }
        output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        for (int round = 0; round < 3; round++)
        {
            double one = Run(sweep[..1]);
            double four = Run(sweep);
            // What the engine did before the branches shared a batch: the settings one after another.
            double inTurn = sweep.Sum(setting => Run([setting]));
            output.WriteLine($"round {round}: one setting {one:F0} ms, four on forks {four:F0} ms ({four / one:F2}x), four in turn {inTurn:F0} ms ({inTurn / one:F2}x)");
        }
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimeToFirstTokenWithACachedSystemPrompt(bool slot)
    {
        using var model = SlotModel.Load(Gguf(), new ModelLoadOptions { LlamaCpp = new LlamaCppOptions { ContextSize = 8192, MaxSequences = 4, Threads = 2 } });
        using var engine = new SlotEngine(model, new EngineOptions { PrefillChunkTokens = 512 });
        var random = new Random(1);
        int[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => random.Next(1000, 30000)).ToArray();
        var settings = slot ? new SlotOptions { Times = 5, Lr = 0.1 } : null;
        double FirstToken(int[] prompt)
        {
            var clock = Stopwatch.StartNew();
            var handle = engine.Submit(new EngineRequest(prompt) { Generation = new GenerationOptions { MaxNewTokens = 1 }, IgnoreEos = true, Slot = settings });
            handle.Completion.GetAwaiter().GetResult().ThrowIfFailed();
            return clock.Elapsed.TotalMilliseconds;
        }
        output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; SLOT {(slot ? "times 5" : "off")}");
        for (int round = 0; round < 3; round++)
        {
            // A new 1,000-token system prompt each round: the first request misses, the second (another question) hits.
            int[] system = Tokens(1000);
            double uncached = FirstToken([.. system, .. Tokens(50)]);
            long before = engine.Metrics.PrefixCacheReusedTokens;
            double cached = FirstToken([.. system, .. Tokens(50)]);
            output.WriteLine($"round {round}: uncached {uncached:F0} ms, cached {cached:F0} ms ({cached / uncached:F3}x), reused {engine.Metrics.PrefixCacheReusedTokens - before} tokens");
        }
    }
}
