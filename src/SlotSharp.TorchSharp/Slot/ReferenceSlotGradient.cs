using TorchSharp;
using SlotSharp.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// The original SLOT code path with autograd: a Parameter delta [1, 1, d] in H's dtype, logits = (H + delta) Wᵀ over all
/// T positions upcast to float32 (as HF does), shifted CrossEntropyLoss, backward. AdamW: torch.optim.AdamW with the HF
/// constants. vLLM: the same autograd loss; its gradient rescaled to the vLLM form and the hand-written update.
/// It recomputes the n x V GEMM forward and backward every step: this is the correctness oracle and the baseline.
/// (The original also lets autograd form the LM head weight's gradient because model weights require grad; W here does
/// not, so this baseline is, if anything, faster than the original.)
/// </summary>
internal sealed class ReferenceSlotGradient : ISlotGradient
{
    readonly Parameter _delta;
    readonly Tensor _hidden3; // 1 x T x d, H's dtype
    readonly Tensor _w;       // V x d, H's dtype
    readonly Tensor _labels;  // n int64
    readonly int _n, _d;
    readonly SlotHyperParameters _hp;
    readonly optim.Optimizer? _adamW;
    readonly DeltaUpdater? _updater;

    public ReferenceSlotGradient(Tensor w, Tensor hidden, IReadOnlyList<long> ids, SlotHyperParameters hp)
    {
        _hp = hp;
        _d = (int)hidden.shape[1];
        _n = ids.Count - 1;
        var dtype = hidden.dtype;
        // The detached handles on the way are temporaries; the parameter and AdamW's state (created below, in the
        // caller's ambient scope) must outlive this constructor, since a stage runs its steps later.
        using (NewDisposeScope())
        {
            _hidden3 = hidden.detach().unsqueeze(0).DetachFromDisposeScope();
            _w = (w.dtype == dtype ? w.detach().alias() : w.detach().to(dtype)).DetachFromDisposeScope();
            _labels = torch.tensor(ids.Skip(1).ToArray(), dtype: int64, device: hidden.device).DetachFromDisposeScope();
        }
        _delta = new Parameter(torch.zeros(1, 1, _d, dtype: dtype, device: hidden.device));
        if (hp.Optimizer == SlotOptimizerKind.AdamW)
            _adamW = optim.AdamW([_delta], hp.Lr, hp.Beta1, hp.Beta2, hp.Eps, hp.WeightDecay);
        else
            _updater = DeltaUpdater.Create(hp, _d);
    }

    public double Evaluate(bool withGradient, double[] gradient)
    {
        using var scope = NewDisposeScope();
        using var grad = withGradient ? torch.enable_grad() : torch.no_grad();
        _delta.grad?.zero_();
        var logits = nn.functional.linear(_hidden3.add(_delta, HeldScalars.One), _w); // lm_head(H + delta): [1, T, V]
        if (logits.element_size() < sizeof(float)) logits = logits.to(float32); // HF's logits.float(): upcast half types only
        var shifted = logits.narrow(1, 0, _n).reshape(_n, -1);         // logits[:, :-1]
        var ce = nn.functional.cross_entropy(shifted, _labels, reduction: nn.Reduction.None);
        var logProb = ToDoubles(ce.detach().neg());
        double loss = SlotObjective.Loss(_hp.Optimizer, logProb);
        if (withGradient)
        {
            ce.mean().backward();
            // autograd gives the mean-CE gradient (scale 1/n); the vLLM form divides it once more by (n + 1e-10).
            double rescale = SlotObjective.GradientScale(_hp.Optimizer, _n) * _n;
            var g = ToDoubles(_delta.grad!.reshape(-1));
            for (int i = 0; i < _d; i++) gradient[i] = g[i] * rescale;
        }
        return loss;
    }

    public void Step(int k, double[] gradient)
    {
        if (_adamW is not null)
        {
            _adamW.step();
            return;
        }
        var delta = GetDelta();
        _updater!.Step(k, delta, gradient);
        SetDelta(delta);
    }

    public double[] GetDelta() => ToDoubles(_delta.detach().reshape(-1));

    public void SetDelta(double[] delta)
    {
        using var noGrad = torch.no_grad();
        using var values = torch.tensor(delta, dtype: float64).reshape(1, 1, _d);
        _delta.copy_(values);
    }

    public float[]? TakeLogitBias() => null;

    static double[] ToDoubles(Tensor t) => SlotSharp.Runtime.TensorHost.Doubles(t);

    public void Dispose()
    {
        _adamW?.Dispose();
        _delta.Dispose();
        _hidden3.Dispose();
        _w.Dispose();
        _labels.Dispose();
    }
}
