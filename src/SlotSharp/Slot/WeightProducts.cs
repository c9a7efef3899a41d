using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics.Tensors;

namespace SlotSharp.Slot;

/// <summary>
/// The two products SLOT takes with W, for k vectors at once in one pass over W (row blocks on parallel workers, one
/// row decoded at a time into a scratch that stays in L1): u_j = W x_j (V each) and g_j = Wᵀ r_j (d each). Both
/// are memory-bound, so k products cost about one pass over W (docs/engine.md). W is read, never copied.
/// </summary>
internal static class WeightProducts
{
    /// <summary>Rows per work item: big enough to amortize scheduling, small enough to balance two to a few dozen workers.</summary>
    const int BlockRows = 2048;

    /// <summary>u_j = W x_j for each d-vector x_j.</summary>
    public static float[][] Products(OutputWeight w, IReadOnlyList<float[]> inputs, int threads)
    {
        int k = inputs.Count;
        var outputs = new float[k][];
        for (int j = 0; j < k; j++)
        {
            if (inputs[j].Length != w.Columns) throw new ArgumentException($"input {j} has {inputs[j].Length} values, W has {w.Columns} columns");
            outputs[j] = new float[w.Rows];
        }
        if (k == 0) return outputs;
        ForBlocks(w.Rows, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) =>
        {
            var scratch = ArrayPool<float>.Shared.Rent(w.Columns);
            try
            {
                for (int v = start; v < end; v++)
                {
                    var row = w.Row(v, scratch);
                    for (int j = 0; j < k; j++) outputs[j][v] = HostKernels.Dot(row, inputs[j]);
                }
            }
            finally { ArrayPool<float>.Shared.Return(scratch); }
        });
        return outputs;
    }

    /// <summary>
    /// g_j = Wᵀ r_j for each V-vector r_j, summed per block in float32 and across blocks in float64, in block order:
    /// the same inputs give the same bits whatever the threads' timing.
    /// </summary>
    public static double[][] TransposedProducts(OutputWeight w, IReadOnlyList<float[]> residuals, int threads)
    {
        int k = residuals.Count, d = w.Columns;
        foreach (var r in residuals)
            if (r.Length != w.Rows) throw new ArgumentException($"a residual has {r.Length} values, W has {w.Rows} rows");
        var totals = new double[k][];
        for (int j = 0; j < k; j++) totals[j] = new double[d];
        if (k == 0) return totals;
        var partials = new float[(w.Rows + BlockRows - 1) / BlockRows][];
        ForBlocks(w.Rows, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) =>
        {
            var scratch = ArrayPool<float>.Shared.Rent(d);
            var partial = partials[start / BlockRows] = new float[k * d];
            try
            {
                for (int v = start; v < end; v++)
                {
                    ReadOnlySpan<float> row = default;
                    for (int j = 0; j < k; j++)
                    {
                        float rv = residuals[j][v];
                        if (rv == 0) continue;
                        if (row.IsEmpty) row = w.Row(v, scratch);
                        var acc = partial.AsSpan(j * d, d);
                        HostKernels.Axpy(rv, row, acc);
                    }
                }
            }
            finally { ArrayPool<float>.Shared.Return(scratch); }
        });
        foreach (var partial in partials)
            for (int j = 0; j < k; j++)
            {
                var total = totals[j];
                for (int i = 0; i < d; i++) total[i] += partial[j * d + i];
            }
        return totals;
    }

    /// <summary>
    /// z_t = H_t Wᵀ + <paramref name="bias"/> (u) for the rows t of <paramref name="hidden"/> in [start, start + count), into rows 0..count-1 of
    /// <paramref name="output"/>: the prompt's logits recomputed where they were not kept (long prompts).
    /// </summary>
    public static void Logits(OutputWeight w, HostMatrix hidden, int start, int count, float[] bias, HostMatrix output, int threads)
    {
        ForBlocks(w.Rows, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (from, to) =>
        {
            var scratch = ArrayPool<float>.Shared.Rent(w.Columns);
            try
            {
                for (int v = from; v < to; v++)
                {
                    var row = w.Row(v, scratch);
                    for (int t = 0; t < count; t++) output.Row(t)[v] = HostKernels.Dot(hidden.Row(start + t), row) + bias[v];
                }
            }
            finally { ArrayPool<float>.Shared.Return(scratch); }
        });
    }

    /// <summary>Runs <paramref name="body"/> over [0, rows) in blocks of <see cref="BlockRows"/>, on up to <paramref name="threads"/> workers.</summary>
    public static void ForBlocks(int rows, int threads, Action<int, int> body)
    {
        int blocks = (rows + BlockRows - 1) / BlockRows;
        if (threads <= 1 || blocks == 1)
        {
            for (int b = 0; b < blocks; b++) body(b * BlockRows, Math.Min(rows, (b + 1) * BlockRows));
            return;
        }
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads },
            b => body(b * BlockRows, Math.Min(rows, (b + 1) * BlockRows)));
    }
}
