using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace SlotSharp.Slot;

/// <summary>
/// SLOT without autograd, on host spans over the backend's own W. Identities used (n = T-1 shifted positions,
/// L0 = H[0..n) Wᵀ, u = W delta):
/// (1) (H + delta) Wᵀ = L0 + 1 uᵀ, so the prompt's logits are needed once and each step only needs u = W delta;
/// (2) ∂ mean CE / ∂delta = Wᵀ (colmean_t softmax(L0_t + u) - mean onehot(y_t)), one product with Wᵀ;
/// (3) exp(L0_tv + u_v - m_t - max u) = E0_tv · exp(u_v - max u) with E0 = exp(L0 - rowmax L0) kept, so each row's
///     softmax sum is E0_t · exp(u - max u) and the column sums of softmax are exp(u - max u) ⊙ E0ᵀ (1/s): two
///     passes over the n x V block per step instead of a full exp/normalize.
/// Without the prompt's logits (more than the memory budget), or when u spans so wide a range that (3) would lose the
/// terms clamped in E0, the step streams over chunks of positions instead, recomputing each chunk's logits from H.
/// The stage owns copies of what it reads (H, E0), so the prefill it started from may go on decoding or end.
/// </summary>
internal sealed class HostSlotGradient : ISlotGradient
{
    /// <summary>E0 entries below exp(-80) are clamped (keeps denormals out of the products).</summary>
    const float E0LogFloor = -80f;

    /// <summary>
    /// Identity (3) is exact up to terms the clamp changed: relative error &lt;= V·exp(-80 + range(u)).
    /// Up to a range of 40 that is below 1e-12 for V = 152k; wider u takes the streaming path for that step.
    /// </summary>
    const float FactorizedRangeLimit = 40f;

    readonly OutputWeight _w;   // borrowed from the backend
    readonly HostMatrix _hidden; // n x d, own copy
    readonly int[] _targets;     // n
    readonly int _n, _vocab, _d, _threads;
    readonly double[] _delta;
    readonly DeltaUpdater _updater;
    readonly SlotHyperParameters _hp;
    readonly long _budgetBytes;

    // Kept mode (n x V fits the budget and the prompt's logits were given).
    readonly HostMatrix? _e0;
    readonly double[] _rowMax = [];
    readonly double[] _targetLogit0 = [];

    // u = W delta of the last evaluation and the delta it belongs to: the logit bias when nothing changed since.
    float[]? _lastU;
    double[]? _lastUDelta;

    HostMatrix? _chunk; // streaming buffer, chunkRows x V, made on first use
    int _chunkRows;

    /// <param name="hidden">[T, d] (or more rows): the prompt's final hidden states; the first T-1 rows are copied.</param>
    /// <param name="promptLogits">[T, V] (or [T-1, V]): the prompt's logits as the model computed them; null to
    /// stream (the logits are then recomputed from H each step, much slower).</param>
    /// <param name="takeLogits">The stage takes <paramref name="promptLogits"/> and turns it into E0 in place (saves a
    /// [T, V] copy; the caller must not use or dispose it afterwards). Otherwise it copies what it needs.</param>
    public HostSlotGradient(OutputWeight w, HostMatrix hidden, IReadOnlyList<int> ids, SlotHyperParameters hp, long memoryBudgetBytes,
        HostMatrix? promptLogits, int threads, bool takeLogits = false)
    {
        _w = w;
        _hp = hp;
        _vocab = w.Rows;
        _d = w.Columns;
        _n = ids.Count - 1;
        _threads = Math.Max(1, threads);
        _budgetBytes = memoryBudgetBytes;
        _delta = new double[_d];
        _updater = DeltaUpdater.Create(hp, _d);
        _targets = new int[_n];
        for (int t = 0; t < _n; t++) _targets[t] = ids[t + 1];
        if (hidden.Columns != _d || hidden.Rows < _n) throw new ArgumentException($"hidden states [{hidden.Rows}, {hidden.Columns}] do not fit a prompt of {ids.Count} tokens and width {_d}");
        _hidden = hidden.CopyRows(_n);
        if (promptLogits is not null && promptLogits.Rows >= _n && promptLogits.Columns == _vocab
            && (long)_n * _vocab * sizeof(float) <= memoryBudgetBytes)
        {
            _e0 = takeLogits ? promptLogits : promptLogits.CopyRows(_n);
            _rowMax = new double[_n];
            _targetLogit0 = new double[_n];
            var e0 = _e0;
            Parallel.For(0, _n, new ParallelOptions { MaxDegreeOfParallelism = _threads }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int t) =>
            {
                var row = e0.Row(t);
                float max = TensorPrimitives.Max(row);
                _rowMax[t] = max;
                _targetLogit0[t] = row[_targets[t]];
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Max(row, E0LogFloor, row);
                TensorPrimitives.Exp(row, row);
            });
        }
        if (takeLogits && !ReferenceEquals(_e0, promptLogits)) promptLogits?.Dispose(); // given, but not usable here
    }

    public int HiddenSize => _d;

    public double Evaluate(bool withGradient, double[] gradient)
    {
        var input = ProductInput();
        var u = input is null ? ZeroProduct() : WeightProducts.Products(_w, [input], _threads)[0];
        double loss = LossAndResidual(u, withGradient, out var residual);
        if (residual is not null) WeightProducts.TransposedProducts(_w, [residual], _threads)[0].CopyTo(gradient, 0);
        return loss;
    }

    /// <summary>W, whose products this stage's evaluations take: stages over the same W can share them.</summary>
    public OutputWeight Weight => _w;

    public int Threads => _threads;

    /// <summary>
    /// The next evaluation's delta as a float32 d-vector, whose product u = W delta it needs; null when delta is 0
    /// (step 1), where u = W·0 = 0 exactly and the pass over W is skipped (<see cref="ZeroProduct"/>).
    /// </summary>
    public float[]? ProductInput()
    {
        if (_delta.All(x => x == 0)) return null;
        var f = new float[_d];
        for (int i = 0; i < _d; i++) f[i] = (float)_delta[i];
        return f;
    }

    public float[] ZeroProduct() => new float[_vocab];

    /// <summary>
    /// The loss at the current delta given its u = W delta (V), and with <paramref name="withGradient"/> the residual
    /// r (V) whose product Wᵀ r is the gradient; null otherwise.
    /// </summary>
    public double LossAndResidual(float[] u, bool withGradient, out float[]? residual)
    {
        _lastU = u;
        _lastUDelta = (double[])_delta.Clone();
        var logProb = new double[_n];
        float uMax = TensorPrimitives.Max(u);
        float[]? colSum = _e0 is not null && uMax - TensorPrimitives.Min(u) <= FactorizedRangeLimit
            ? FactorizedStats(u, uMax, withGradient, logProb)
            : StreamingStats(u, withGradient, logProb);

        double loss = SlotObjective.Loss(_hp.Optimizer, logProb);
        residual = null;
        if (withGradient)
        {
            // r = c (colsum P - counts(y)); g = Wᵀ r.
            foreach (int y in _targets) colSum![y] -= 1f;
            TensorPrimitives.Multiply(colSum, (float)SlotObjective.GradientScale(_hp.Optimizer, _n), colSum);
            residual = colSum;
        }
        return loss;
    }

    float[]? FactorizedStats(float[] u, float uMax, bool withGradient, double[] logProb)
    {
        var e0 = _e0!;
        var eu = new float[_vocab];
        TensorPrimitives.Subtract(u, uMax, eu);
        TensorPrimitives.Exp(eu, eu);
        var s = new float[_n];
        Parallel.For(0, _n, new ParallelOptions { MaxDegreeOfParallelism = _threads }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int t) => s[t] = HostKernels.Dot(e0.Row(t), eu));
        for (int t = 0; t < _n; t++)
            logProb[t] = _targetLogit0[t] + u[_targets[t]] - (_rowMax[t] + uMax + Math.Log(s[t]));
        if (!withGradient) return null;
        // colsum_v = eu_v Σ_t E0_tv / s_t, each worker owning a range of columns.
        var colSum = new float[_vocab];
        var inverse = new float[_n];
        for (int t = 0; t < _n; t++) inverse[t] = 1f / s[t];
        WeightProducts.ForBlocks(_vocab, _threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) =>
        {
            var acc = colSum.AsSpan(start, end - start);
            for (int t = 0; t < _n; t++) HostKernels.Axpy(inverse[t], e0.Row(t)[start..end], acc);
            TensorPrimitives.Multiply(acc, eu.AsSpan(start, end - start), acc);
        });
        return colSum;
    }

    float[]? StreamingStats(float[] u, bool withGradient, double[] logProb)
    {
        EnsureChunkBuffer();
        var colSum = withGradient ? new float[_vocab] : null;
        var chunk = _chunk!;
        for (int start = 0; start < _n; start += _chunkRows)
        {
            int rows = Math.Min(_chunkRows, _n - start);
            WeightProducts.Logits(_w, _hidden, start, rows, u, chunk, _threads); // z = H_c Wᵀ + u
            var inverse = new float[rows];
            for (int t = 0; t < rows; t++)
            {
                var z = chunk.Row(t);
                float m = TensorPrimitives.Max(z);
                double zy = z[_targets[start + t]];
                TensorPrimitives.Subtract(z, m, z);
                TensorPrimitives.Exp(z, z);
                double sum = HostKernels.Sum(z);
                logProb[start + t] = zy - m - Math.Log(sum);
                inverse[t] = (float)(1 / sum);
            }
            if (colSum is null) continue;
            WeightProducts.ForBlocks(_vocab, _threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (a, b) =>
            {
                var acc = colSum.AsSpan(a, b - a);
                for (int t = 0; t < rows; t++) HostKernels.Axpy(inverse[t], chunk.Row(t)[a..b], acc);
            });
        }
        return colSum;
    }

    void EnsureChunkBuffer()
    {
        if (_chunk is not null) return;
        // With a kept E0 this path is only the wide-u fallback: keep its buffer small next to E0.
        long budget = _e0 is null ? _budgetBytes : _budgetBytes / 8;
        _chunkRows = (int)Math.Clamp(budget / ((long)_vocab * sizeof(float)), 1, Math.Max(1, _n));
        _chunk = new HostMatrix(_chunkRows, _vocab);
    }

    public float[]? TakeLogitBias()
    {
        if (_lastU is null || _lastUDelta is null || !_lastUDelta.AsSpan().SequenceEqual(_delta)) return null;
        var u = _lastU;
        _lastU = null;
        return u;
    }

    public void Step(int k, double[] gradient) => _updater.Step(k, _delta, gradient);

    public double[] GetDelta() => (double[])_delta.Clone();

    public void SetDelta(double[] delta) => delta.CopyTo(_delta, 0);

    public void Dispose()
    {
        _hidden.Dispose();
        _e0?.Dispose();
        _chunk?.Dispose();
    }
}
