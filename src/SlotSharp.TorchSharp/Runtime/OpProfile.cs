using System.Diagnostics;
using TorchSharp;

namespace SlotSharp.Runtime;

/// <summary>The parts of a forward pass that <see cref="OpProfile"/> times separately.</summary>
internal enum OpKind
{
    /// <summary>The fused q/k/v projection (with its bias).</summary>
    QkvProduct,
    /// <summary>o_proj.</summary>
    OutProduct,
    /// <summary>The fused gate/up projection.</summary>
    GateUpProduct,
    /// <summary>down_proj.</summary>
    DownProduct,
    /// <summary>lm_head (and the cast of its logits to float32).</summary>
    LmHead,
    /// <summary>Splitting heads, scores, mask, softmax, probabilities times values, merging heads.</summary>
    Attention,
    /// <summary>The rotary table slice and its application to q and k.</summary>
    Rope,
    /// <summary>Writing k and v into the cache.</summary>
    KvCache,
    /// <summary>Every RMSNorm.</summary>
    Norms,
    /// <summary>Embedding lookup, residual adds, SiLU times up.</summary>
    Elementwise,
    /// <summary>Copying the logits to the host for the sampler (timed by the caller).</summary>
    LogitsToHost,
}

/// <summary>
/// Wall time and libtorch tensors created per <see cref="OpKind"/>, for `slot bench decode --profile`. Recording is
/// off unless a profile is active on the calling thread (thread-static, so concurrent requests never mix), and then a
/// region costs one thread-static read. Only CPU passes are profiled: CPU ops run synchronously, so a stopwatch
/// around the calls measures the ops themselves; on CUDA it would measure the launches.
/// </summary>
internal sealed class OpProfile
{
    [ThreadStatic] static OpProfile? _active;

    static readonly int KindCount = Enum.GetValues<OpKind>().Length;
    readonly long[] _ticks = new long[KindCount];
    readonly long[] _regions = new long[KindCount];
    readonly long[] _tensors = new long[KindCount];

    /// <summary>Seconds spent in <paramref name="kind"/> since this profile was created.</summary>
    public double Seconds(OpKind kind) => (double)_ticks[(int)kind] / Stopwatch.Frequency;

    /// <summary>How many regions of <paramref name="kind"/> ran (e.g. 24 per token for one product per layer).</summary>
    public long Regions(OpKind kind) => _regions[(int)kind];

    /// <summary>libtorch tensors (op results and views, each one native call or more) created inside <paramref name="kind"/>.</summary>
    public long Tensors(OpKind kind) => _tensors[(int)kind];

    /// <summary>Records on the calling thread until the returned handle is disposed.</summary>
    public IDisposable Activate()
    {
        var previous = _active;
        _active = this;
        return new Restore(previous);
    }

    /// <summary>Times the code up to the end of the returned region's `using` when a profile is active; does nothing otherwise.</summary>
    public static Region Time(OpKind kind) => _active is { } p ? new Region(p, kind, Stopwatch.GetTimestamp(), TensorsCreated()) : default;

    /// <summary>Tensors this thread has created so far (TorchSharp counts every tensor it wraps, in a dispose scope or not).</summary>
    public static long TensorsCreated()
    {
        var s = DisposeScopeManager.Statistics.TensorStatistics;
        return s.CreatedInScopeCount + s.CreatedOutsideScopeCount;
    }

    public readonly struct Region(OpProfile? profile, OpKind kind, long start, long tensorsAtStart) : IDisposable
    {
        public void Dispose()
        {
            if (profile is null) return;
            int k = (int)kind;
            profile._ticks[k] += Stopwatch.GetTimestamp() - start;
            profile._regions[k]++;
            profile._tensors[k] += TensorsCreated() - tensorsAtStart;
        }
    }

    sealed class Restore(OpProfile? previous) : IDisposable
    {
        public void Dispose() => _active = previous;
    }
}
