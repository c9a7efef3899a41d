using SlotSharp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// SLOT without autograd. Identities used (n = T-1 shifted positions, L0 = H[0..n) Wᵀ, u = W delta):
/// (1) (H + delta) Wᵀ = L0 + 1 uᵀ, so the prompt GEMM runs once and each step only needs the GEMV u = W delta;
/// (2) ∂ mean CE / ∂delta = Wᵀ (colmean_t softmax(L0_t + u) - mean onehot(y_t)), one GEMV with Wᵀ;
/// (3) exp(L0_tv + u_v - m_t - max u) = E0_tv · exp(u_v - max u) with E0 = exp(L0 - rowmax L0) cached, so each
///     row's softmax sum is the GEMV E0 · exp(u - max u) and the column sums of softmax are exp(u - max u) ⊙ E0ᵀ (1/s):
///     two passes over the n x V block per step instead of a full exp/normalize.
/// When n·V floats exceed the memory budget, or u spans so wide a range that (3) would lose the terms clamped in E0,
/// the step streams over chunks of positions instead, recomputing the chunk's logits with a GEMM.
/// </summary>
internal sealed class FastSlotGradient : ISlotGradient
{
    /// <summary>E0 entries below exp(-80) are clamped (keeps denormals out of the GEMVs).</summary>
    const float E0LogFloor = -80f;

    /// <summary>
    /// Identity (3) is exact up to terms the clamp changed: relative error &lt;= V·exp(-80 + range(u)).
    /// Up to a range of 40 that is below 1e-12 for V = 152k; wider u takes the streaming path for that step.
    /// </summary>
    const float FactorizedRangeLimit = 40f;

    readonly Tensor _w;          // V x d float32, borrowed
    readonly Tensor _hidden;     // n x d float32
    readonly Tensor _targets;    // n int64
    readonly Tensor _minusOnes;  // n float32, for subtracting counts(y) without a one-hot
    readonly int _n, _vocab, _d;
    readonly double[] _delta;
    readonly DeltaUpdater _updater;
    readonly SlotHyperParameters _hp;
    readonly long _budgetBytes;

    // Cached mode (n x V fits the budget).
    readonly Tensor? _e0;
    readonly double[] _rowMax = [];
    readonly double[] _targetLogit0 = [];

    // u = W delta of the last evaluation and the delta it belongs to: the logit bias when nothing changed since.
    Tensor? _lastU;
    double[]? _lastUDelta;

    // Streaming buffer: chunkRows x V, allocated on first use and reused across steps.
    Tensor? _chunk;
    int _chunkRows;

    /// <param name="promptLogits">[T, V] (or [T-1, V]): the prompt's logits as the model computed them, used for L0 in
    /// cached mode instead of the prompt GEMM (the streaming fallback still recomputes its chunks from H).</param>
    public FastSlotGradient(Tensor w32, Tensor hidden, IReadOnlyList<long> ids, SlotHyperParameters hp, long memoryBudgetBytes,
        Tensor? promptLogits = null)
    {
        _w = w32;
        _hp = hp;
        _vocab = (int)w32.shape[0];
        _d = (int)w32.shape[1];
        _n = ids.Count - 1;
        _budgetBytes = memoryBudgetBytes;
        _delta = new double[_d];
        _updater = DeltaUpdater.Create(hp, _d);
        var device = w32.device;
        // The views on the way are temporaries: a stage keeps this engine across steps, outside any scope of its creator.
        using (NewDisposeScope())
            _hidden = hidden.narrow(0, 0, _n).to(float32, device).contiguous().DetachFromDisposeScope();
        _targets = torch.tensor(ids.Skip(1).ToArray(), dtype: int64, device: device).DetachFromDisposeScope();
        using (var minusOne = (-1f).ToScalar())
            _minusOnes = torch.full(_n, minusOne, dtype: float32, device: device).DetachFromDisposeScope();

        if ((long)_n * _vocab * sizeof(float) <= memoryBudgetBytes)
        {
            using var scope = NewDisposeScope();
            var l0 = promptLogits is { } given && given.shape[0] >= _n && given.shape[1] == _vocab
                ? given.narrow(0, 0, _n).to(float32, device).clone() // the model's own: no GEMM (clone: E0 is built in place)
                : _hidden.mm(_w.t()); // the one prompt GEMM
            var rowMax = l0.amax(1);
            _rowMax = ToDoubles(rowMax);
            _targetLogit0 = ToDoubles(l0.gather(1, _targets.unsqueeze(1)).squeeze(1));
            using var floor = E0LogFloor.ToScalar(); // explicit Scalars: see Runtime/HeldScalars.cs on TorchSharp's finalizer
            l0.sub_(rowMax.unsqueeze(1)).clamp_min_(floor).exp_();
            _e0 = l0.DetachFromDisposeScope(); // kept across steps, which may run outside the constructor's caller's scope
        }
    }

    public double Evaluate(bool withGradient, double[] gradient)
    {
        using var scope = NewDisposeScope();
        var input = ProductInput();
        var u = input is null ? ZeroProduct() : MatVec.Mv(_w, input);
        double loss = LossAndResidual(u, withGradient, out var residual);
        if (residual is not null) FillGradient(MatVec.Tv(_w, residual), gradient);
        return loss;
    }

    /// <summary>W (V x d float32) that the products of this engine's evaluations run over.</summary>
    public Tensor Weight => _w;

    /// <summary>
    /// The next evaluation's delta as a float32 d-vector, whose product u = W delta it needs; null when delta is 0
    /// (step 1), where u = W·0 = 0 exactly and the pass over W is skipped (<see cref="ZeroProduct"/>).
    /// </summary>
    public Tensor? ProductInput() => _delta.All(x => x == 0) ? null : DeltaTensor();

    public Tensor ZeroProduct() => torch.zeros(_vocab, dtype: float32, device: _w.device);

    /// <summary>
    /// The loss at the current delta given its u = W delta (V), and with <paramref name="withGradient"/> the residual
    /// r (V) whose product Wᵀ r is the gradient (<see cref="FillGradient"/>); null otherwise. Temporaries belong to the
    /// caller's dispose scope.
    /// </summary>
    public double LossAndResidual(Tensor u, bool withGradient, out Tensor? residual)
    {
        _lastU?.Dispose();
        _lastU = u.alias().DetachFromDisposeScope();
        _lastUDelta = (double[])_delta.Clone();
        var logProb = new double[_n];
        Tensor? colSum = null;
        float uMax = u.max().item<float>();
        if (_e0 is not null && uMax - u.min().item<float>() <= FactorizedRangeLimit)
            colSum = FactorizedStats(u, uMax, withGradient, logProb);
        else
            colSum = StreamingStats(u, withGradient, logProb);

        double loss = SlotObjective.Loss(_hp.Optimizer, logProb);
        residual = null;
        if (withGradient)
        {
            // r = c (colsum P - counts(y)); g = Wᵀ r.
            using var scale = SlotObjective.GradientScale(_hp.Optimizer, _n).ToScalar();
            residual = colSum!.index_add_(0, _targets, _minusOnes, HeldScalars.One).mul_(scale);
        }
        return loss;
    }

    /// <summary>The gradient g = Wᵀ r (d) of the last <see cref="LossAndResidual"/> into <paramref name="gradient"/>.</summary>
    public static void FillGradient(Tensor g, double[] gradient) => ToDoubles(g).CopyTo(gradient, 0);

    Tensor? FactorizedStats(Tensor u, float uMax, bool withGradient, double[] logProb)
    {
        using var shift = uMax.ToScalar();
        var eu = (u - shift).exp_();
        var s = _e0!.mv(eu); // row sums of exp(z_t - rowmax_t - max u)
        var sHost = ToDoubles(s);
        var uy = ToDoubles(u.index_select(0, _targets));
        for (int t = 0; t < _n; t++)
            logProb[t] = _targetLogit0[t] + uy[t] - (_rowMax[t] + uMax + Math.Log(sHost[t]));
        return withGradient ? _e0.t().mv(s.reciprocal_()).mul_(eu) : null;
    }

    Tensor? StreamingStats(Tensor u, bool withGradient, double[] logProb)
    {
        EnsureChunkBuffer();
        var colSum = withGradient ? torch.zeros(_vocab, dtype: float32, device: _w.device) : null;
        var wt = _w.t();
        for (int start = 0; start < _n; start += _chunkRows)
        {
            using var inner = NewDisposeScope();
            int rows = Math.Min(_chunkRows, _n - start);
            var z = _chunk!.narrow(0, 0, rows);
            z.copy_(u.unsqueeze(0).expand(rows, _vocab));
            z.addmm_(_hidden.narrow(0, start, rows), wt); // z = H_c Wᵀ + u
            var m = z.amax(1);
            var zy = ToDoubles(z.gather(1, _targets.narrow(0, start, rows).unsqueeze(1)).squeeze(1));
            z.sub_(m.unsqueeze(1)).exp_();
            var s = z.sum(1);
            var mHost = ToDoubles(m);
            var sHost = ToDoubles(s);
            for (int t = 0; t < rows; t++)
                logProb[start + t] = zy[t] - mHost[t] - Math.Log(sHost[t]);
            colSum?.addmv_(z.t(), s.reciprocal_());
        }
        return colSum;
    }

    void EnsureChunkBuffer()
    {
        if (_chunk is not null) return;
        // With a cached E0 this path is only the wide-u fallback: keep its buffer small next to E0.
        long budget = _e0 is null ? _budgetBytes : _budgetBytes / 8;
        _chunkRows = (int)Math.Clamp(budget / ((long)_vocab * sizeof(float)), 1, _n);
        _chunk = torch.empty(_chunkRows, _vocab, dtype: float32, device: _w.device).DetachFromDisposeScope();
    }

    public Tensor? TakeLogitBias()
    {
        if (_lastU is null || _lastUDelta is null || !_lastUDelta.AsSpan().SequenceEqual(_delta)) return null;
        var u = _lastU;
        _lastU = null;
        return u;
    }

    public void Step(int k, double[] gradient) => _updater.Step(k, _delta, gradient);

    public double[] GetDelta() => (double[])_delta.Clone();

    public void SetDelta(double[] delta) => delta.CopyTo(_delta, 0);

    Tensor DeltaTensor()
    {
        var f = new float[_d];
        for (int i = 0; i < _d; i++) f[i] = (float)_delta[i];
        return torch.tensor(f, dtype: float32, device: _w.device);
    }

    static double[] ToDoubles(Tensor t) => SlotSharp.Runtime.TensorHost.Doubles(t);

    public void Dispose()
    {
        _hidden.Dispose();
        _targets.Dispose();
        _minusOnes.Dispose();
        _e0?.Dispose();
        _chunk?.Dispose();
        _lastU?.Dispose();
    }
}
