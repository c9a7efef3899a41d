using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlotSharp.Runtime;

/// <summary>
/// Matrix-vector products that reach memory bandwidth on CPU. libtorch 2.10's float32 mv / linear with one row runs
/// one MKL sgemv at about 19 GB/s on this project's 2-core machines, while a bmm over row blocks of the same matrix
/// runs the blocks on separate threads at about 47 GB/s (measured on a 151936 x 896 matrix; docs/benchmarks.md).
/// Decoding one token and every SLOT step are such products, so this is where decode speed comes from.
/// Other dtypes and devices use libtorch's own kernels (bf16 bmm measured slower than mm).
/// </summary>
internal static class MatVec
{
    /// <summary>W x for W [N, K] and x [K]: [N].</summary>
    public static Tensor Mv(Tensor w, Tensor x)
    {
        int parts = Parts(w);
        if (parts == 1) return w.mv(x);
        using var scope = NewDisposeScope();
        return Blocked(w, x, parts).view(w.shape[0]).MoveToOuterDisposeScope();
    }

    /// <summary>W x as [parts, N / parts, 1], for x of any shape holding K values.</summary>
    static Tensor Blocked(Tensor w, Tensor x, int parts)
    {
        long n = w.shape[0], k = w.shape[1];
        // x as a transposed row: with the plain [K, 1] column layout the same bmm runs 6x slower (measured).
        var xs = x.reshape(1, 1, k).expand(parts, 1, k).transpose(1, 2);
        return w.view(parts, n / parts, k).bmm(xs);
    }

    /// <summary>Wᵀ r for W [N, K] and r [N]: [K] (one pass over W, rows split across threads).</summary>
    public static Tensor Tv(Tensor w, Tensor r)
    {
        int parts = Parts(w);
        if (parts == 1) return w.t().mv(r);
        using var scope = NewDisposeScope();
        long n = w.shape[0], k = w.shape[1];
        var blocks = w.view(parts, n / parts, k);
        var rs = r.view(parts, 1, n / parts);
        return rs.bmm(blocks).sum([0L]).reshape(k).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// W X for W [N, K] and the k rows of X [k, K] as columns: [N, k], one pass over W for all k (SLOT stages sharing
    /// their products). mm with a k-wide right side measured 3-4x slower than the blocked route at small k.
    /// </summary>
    public static Tensor MvMany(Tensor w, Tensor xs)
    {
        int parts = Parts(w);
        if (parts == 1) return w.mm(xs.t());
        using var scope = NewDisposeScope();
        long n = w.shape[0], k = w.shape[1], m = xs.shape[0];
        var blocks = xs.reshape(1, m, k).expand(parts, m, k).transpose(1, 2); // rows as transposed columns, as in Blocked
        return w.view(parts, n / parts, k).bmm(blocks).view(n, m).MoveToOuterDisposeScope();
    }

    /// <summary>R W for W [N, K] and the k rows of R [k, N]: [k, K], one pass over W for all k.</summary>
    public static Tensor TvMany(Tensor w, Tensor rs)
    {
        int parts = Parts(w);
        if (parts == 1) return rs.mm(w);
        using var scope = NewDisposeScope();
        long n = w.shape[0], k = w.shape[1], m = rs.shape[0];
        var blocks = w.view(parts, n / parts, k);
        var rows = rs.view(m, parts, n / parts).transpose(0, 1); // [parts, m, N / parts]
        return rows.bmm(blocks).sum([0L]).MoveToOuterDisposeScope();
    }

    /// <summary>F.linear, taking the matrix-vector route when the input is a single row.</summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? bias = null)
    {
        long k = x.shape[^1];
        int parts = x.numel() == k ? Parts(w) : 1;
        if (parts == 1) return F.linear(x, w, bias);
        using var scope = NewDisposeScope();
        // Straight from the blocks to the output shape: decode runs about 100 of these per token, and each avoided
        // view is one libtorch call less.
        long[] shape = [.. x.shape[..^1], w.shape[0]];
        var y = Blocked(w, x, parts).view(shape);
        if (bias is not null) y = y.add(bias, HeldScalars.One); // not y + bias: see HeldScalars
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>How many row blocks to run in parallel: 1 means "use libtorch's kernel as is".</summary>
    static int Parts(Tensor w)
    {
        if (w.dtype != ScalarType.Float32 || w.device_type != TorchSharp.DeviceType.CPU || !w.is_contiguous()) return 1;
        int threads = Math.Max(1, get_num_threads());
        if (threads == 1) return 1;
        long n = w.shape[0];
        foreach (int p in new[] { threads, 2 * threads, 16, 8, 4, 2 })
            if (p > 1 && n % p == 0 && n / p >= 64) return p;
        return 1;
    }
}
