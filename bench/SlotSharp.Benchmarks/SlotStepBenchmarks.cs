using BenchmarkDotNet.Attributes;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Benchmarks;

/// <summary>The SLOT prompt stage (times 5) on random H and W with Qwen2.5-0.5B's LM head, fast vs reference.</summary>
public class SlotStepBenchmarks
{
    Tensor _w = null!, _h = null!;
    long[] _ids = [];

    [Params(64, 300)]
    public int PromptTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
        var gen = new TorchSharp.torch.Generator(1);
        _w = randn(151936, 896, generator: gen) * (2.0 / Math.Sqrt(896));
        _h = randn(PromptTokens, 896, generator: gen);
        var rng = new Random(1);
        _ids = Enumerable.Range(0, PromptTokens).Select(_ => (long)rng.Next(151936)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public void Fast() => Run(SlotImplKind.Fast);

    [Benchmark]
    public void Reference() => Run(SlotImplKind.Reference);

    void Run(SlotImplKind impl)
    {
        using var runner = new SlotRunner(_w, new SlotOptions { Times = 5, Lr = 0.1, Impl = impl });
        using var result = runner.Run(_h, _ids);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _w.Dispose(); _h.Dispose();
    }
}
