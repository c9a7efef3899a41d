using BenchmarkDotNet.Attributes;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Benchmarks;

/// <summary>
/// One-row products with real Qwen2.5-0.5B shapes (lm_head 151936 x 896, fused gate/up 9728 x 896):
/// libtorch's own mv against SlotSharp's row-blocked MatVec, and Wᵀ r for SLOT's gradient pass.
/// </summary>
[MemoryDiagnoser]
public class MatVecBenchmarks
{
    Tensor _w = null!, _x = null!, _r = null!;

    [Params(151936, 9728)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoadable();
        _w = randn(Rows, 896);
        _x = randn(896);
        _r = randn(Rows);
    }

    [Benchmark(Baseline = true)]
    public void TorchMv() { using var y = _w.mv(_x); }

    [Benchmark]
    public void BlockedMv() { using var y = MatVec.Mv(_w, _x); }

    [Benchmark]
    public void TorchTransposedMv() { using var y = _w.t().mv(_r); }

    [Benchmark]
    public void BlockedTv() { using var y = MatVec.Tv(_w, _r); }

    [GlobalCleanup]
    public void Cleanup()
    {
        _w.Dispose(); _x.Dispose(); _r.Dispose();
    }
}
