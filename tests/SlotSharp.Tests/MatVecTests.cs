using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests;

public class MatVecTests
{
    [SkippableTheory]
    [InlineData(151936, 64)]  // splits into row blocks
    [InlineData(1001, 33)]    // odd row count: libtorch's own kernel
    [InlineData(128, 896)]
    public void BlockedProductsEqualLibtorchsOwn(int n, int k)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(7);
        var w = randn(n, k, generator: gen);
        var x = randn(k, generator: gen);
        var r = randn(n, generator: gen);
        var b = randn(n, generator: gen);
        Assert.True(allclose(MatVec.Mv(w, x), w.mv(x), rtol: 1e-5, atol: 1e-4));
        Assert.True(allclose(MatVec.Tv(w, r), w.t().mv(r), rtol: 1e-5, atol: 1e-2));
        var row = x.view(1, 1, k);
        Assert.True(allclose(MatVec.Linear(row, w, b), nn.functional.linear(row, w, b), rtol: 1e-5, atol: 1e-4));
        Assert.Equal(new long[] { 1, 1, n }, MatVec.Linear(row, w, b).shape);
        var rows = randn(3, 2, k, generator: gen);
        Assert.True(allclose(MatVec.Linear(rows, w), nn.functional.linear(rows, w), rtol: 1e-5, atol: 1e-4));
    }

    [SkippableFact]
    public void LinearTakesASingleRowThatIsNotContiguous()
    {
        // A row cut out of a wider tensor (like q/k/v out of the fused product): the blocked route must reshape, not view.
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(11);
        var w = randn(4096, 96, generator: gen);
        var b = randn(4096, generator: gen);
        var wide = randn(1, 1, 3 * 96, generator: gen);
        var strided = wide.view(1, 1, 96, 3).select(-1, 1); // [1, 1, 96], stride 3
        Assert.False(strided.is_contiguous());
        Assert.True(allclose(MatVec.Linear(strided, w, b), nn.functional.linear(strided.contiguous(), w, b), rtol: 1e-5, atol: 1e-4));
    }
}
