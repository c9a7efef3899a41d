using TorchSharp;
using SlotSharp.Checkpoints;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Rotary position embedding with transformers' rotate_half pairing (i, i + head_dim/2). The frequency table is
/// built in float32 exactly as transformers' rope init functions do ("default", "linear", "llama3"), then cast to
/// the compute dtype when applied. Every Scalar is a `using` local or HeldScalars.One, never an implicit conversion
/// (see HeldScalars): the tables grow during requests.
/// </summary>
internal sealed class RotaryEmbedding : IDisposable
{
    public static IReadOnlyList<string> SupportedRopeTypes => RopeScaling.SupportedRopeTypes;

    readonly Tensor _invFreq; // [head_dim/2] float32
    Tensor _cos, _sin;         // [capacity, head_dim] float32
    long _capacity;
    readonly object _growLock = new();

    public RotaryEmbedding(ModelConfig config, Device device)
    {
        int dim = config.HeadDim;
        using (var scope = NewDisposeScope())
        {
            using Scalar zero = 0.ToScalar(), two = 2.ToScalar(), width = dim.ToScalar();
            var exponent = arange(zero, width, two, dtype: ScalarType.Int64).to(ScalarType.Float32).div(width);
            var theta = tensor(config.RopeTheta); // a float64 0-dim tensor: the result stays float32
            var invFreq = pow(theta, exponent).reciprocal(); // 1 / theta^(2i/dim)
            invFreq = Scale(invFreq, config.RopeScaling);
            _invFreq = invFreq.to(device).DetachFromDisposeScope();
        }
        _cos = empty(0); _sin = empty(0);
        Grow(Math.Min(Math.Max(config.MaxPositionEmbeddings, 1), 4096));
    }

    static Tensor Scale(Tensor invFreq, RopeScaling? scaling)
    {
        if (scaling == null) return invFreq;
        switch (scaling.RopeType)
        {
            case "default":
                return invFreq;
            case "linear":
            {
                using var factor = scaling.Factor.ToScalar();
                return invFreq.div(factor);
            }
            case "llama3":
            {
                // transformers' _compute_llama3_parameters, in float32 (the same ops as its Python expressions).
                double low = scaling.LowFreqFactor, high = scaling.HighFreqFactor, oldContext = scaling.OriginalMaxPositionEmbeddings;
                using Scalar factor = scaling.Factor.ToScalar(), twoPi = (2 * Math.PI).ToScalar(), context = oldContext.ToScalar(),
                    lowS = low.ToScalar(), span = (high - low).ToScalar(),
                    lowFreqWavelen = (oldContext / low).ToScalar(), highFreqWavelen = (oldContext / high).ToScalar();
                var wavelen = invFreq.reciprocal().mul(twoPi);                                  // 2 pi / inv_freq
                var llama = where(wavelen.gt(lowFreqWavelen), invFreq.div(factor), invFreq);
                var smooth = wavelen.reciprocal().mul(context).sub(lowS).div(span);           // (old / wavelen - low) / (high - low)
                var smoothed = smooth.negative().add(HeldScalars.One, HeldScalars.One).mul(llama).div(factor)
                    .add(smooth.mul(llama), HeldScalars.One);                                  // (1 - smooth) * llama / factor + smooth * llama
                var isMedium = wavelen.lt(highFreqWavelen).logical_not().logical_and(wavelen.gt(lowFreqWavelen).logical_not());
                return where(isMedium, smoothed, llama);
            }
            default:
                throw new SlotSharpException($"config.json rope_scaling.rope_type '{scaling.RopeType}' is not supported (supported: {string.Join(", ", SupportedRopeTypes)})");
        }
    }

    void Grow(long needed)
    {
        long capacity = Math.Max(needed, _capacity * 2);
        using var scope = NewDisposeScope();
        using Scalar start = 0.ToScalar(), stop = capacity.ToScalar();
        var positions = arange(start, stop, HeldScalars.One, dtype: ScalarType.Float32, device: _invFreq.device);
        var freqs = outer(positions, _invFreq);              // [capacity, dim/2]
        var emb = cat([freqs, freqs], -1);                    // [capacity, dim]
        _cos.Dispose(); _sin.Dispose();
        // The tables outlive any caller's dispose scope.
        _cos = emb.cos().DetachFromDisposeScope();
        _sin = emb.sin().DetachFromDisposeScope();
        _capacity = capacity;
    }

    /// <summary>cos and sin for positions [start, start + length), in <paramref name="dtype"/>, shape [length, head_dim].</summary>
    public (Tensor Cos, Tensor Sin) Table(long start, long length, ScalarType dtype)
    {
        // Growing replaces the tables: concurrent forward passes (several caches, one model) must not see that half-done.
        lock (_growLock)
        {
            if (start + length > _capacity) Grow(start + length);
            return (_cos.narrow(0, start, length).to(dtype), _sin.narrow(0, start, length).to(dtype));
        }
    }

    /// <summary>x * cos + rotate_half(x) * sin for x of shape [..., head_dim], with cos and sin broadcasting against x.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([x2.neg(), x1], -1);
        return (x * cos).add(rotated * sin, HeldScalars.One).MoveToOuterDisposeScope(); // not +: see HeldScalars
    }

    public void Dispose()
    {
        _invFreq.Dispose(); _cos.Dispose(); _sin.Dispose();
    }
}
