using SlotSharp.Checkpoints;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Rotary position embedding with transformers' rotate_half pairing (i, i + head_dim/2). The frequency table is
/// built in float32 exactly as transformers' rope init functions do ("default", "linear", "llama3"), then cast to
/// the compute dtype when applied.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    public static readonly string[] SupportedRopeTypes = ["default", "linear", "llama3"];

    readonly Tensor _invFreq; // [head_dim/2] float32
    Tensor _cos, _sin;         // [capacity, head_dim] float32
    long _capacity;
    readonly object _growLock = new();

    public RotaryEmbedding(ModelConfig config, Device device)
    {
        int dim = config.HeadDim;
        using (var scope = NewDisposeScope())
        {
            var exponent = arange(0, dim, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / dim;
            var invFreq = 1.0 / pow(config.RopeTheta, exponent);
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
                return invFreq / scaling.Factor;
            case "llama3":
            {
                // transformers' _compute_llama3_parameters, in float32.
                double factor = scaling.Factor, low = scaling.LowFreqFactor, high = scaling.HighFreqFactor;
                double oldContext = scaling.OriginalMaxPositionEmbeddings;
                double lowFreqWavelen = oldContext / low, highFreqWavelen = oldContext / high;
                var wavelen = 2 * Math.PI / invFreq;
                var llama = where(wavelen > lowFreqWavelen, invFreq / factor, invFreq);
                var smooth = (oldContext / wavelen - low) / (high - low);
                var smoothed = (1 - smooth) * llama / factor + smooth * llama;
                var isMedium = (wavelen < highFreqWavelen).logical_not().logical_and((wavelen > lowFreqWavelen).logical_not());
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
        var positions = arange(0, capacity, dtype: ScalarType.Float32, device: _invFreq.device);
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

    /// <summary>x * cos + rotate_half(x) * sin for x of shape [B, heads, T, head_dim].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([x2.neg(), x1], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _invFreq.Dispose(); _cos.Dispose(); _sin.Dispose();
    }
}
