using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;
using Xunit.Abstractions;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// Time to first token with a cached system prompt (docs/engine.md), a measurement, not a check: it runs only with
/// SLOTSHARP_MEASURE_GGUF set to a GGUF file (the benchmarks' random Qwen2.5-0.5B shape) and prints its numbers.
/// Command: SLOTSHARP_MEASURE_GGUF=/tmp/bench-gguf/random-qwen2.5-0.5b.q8_0.gguf dotnet test SlotSharp.slnx -c Release
/// --no-build --filter "FullyQualifiedName~PrefixCacheMeasurements" --logger "console;verbosity=detailed"
/// </summary>
public class PrefixCacheMeasurements(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimeToFirstTokenWithACachedSystemPrompt(bool slot)
    {
        var path = Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE_GGUF");
        Skip.If(string.IsNullOrEmpty(path), "set SLOTSHARP_MEASURE_GGUF to a GGUF file to measure");
        using var model = SlotModel.Load(path!, new ModelLoadOptions { LlamaCpp = new LlamaCppOptions { ContextSize = 8192, MaxSequences = 4, Threads = 2 } });
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
