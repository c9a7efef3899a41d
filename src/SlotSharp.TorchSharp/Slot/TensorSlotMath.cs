using SlotSharp.Backends;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// <see cref="ISlotMath"/> on TorchSharp tensors over a backend's W: the fast closed-form path or the autograd
/// reference (<see cref="SlotRunner"/>), steps of several prompts shared through <see cref="SlotStage.AdvanceTogether"/>.
/// W in float32 is made once and kept (an alias for fp32 weights): a bf16 7B head would otherwise be copied (2.2 GB)
/// for every prompt and every setting of a sweep. Owned by its backend, which disposes it.
/// </summary>
internal sealed class TensorSlotMath(Tensor lmHead) : ISlotMath, IDisposable
{
    Tensor? _w32;

    Tensor W32 => _w32 ??= (lmHead.dtype == ScalarType.Float32 ? lmHead.alias() : lmHead.to(ScalarType.Float32)).DetachFromDisposeScope();

    SlotRunner Runner(SlotOptions options, Action<string>? warn) => new(lmHead, options, warn, W32);

    public ISlotStage Start(BackendSequence prefill, SlotOptions options, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(prefill);
        var hidden = prefill.PromptHidden ?? throw new InvalidOperationException("the prefill kept no hidden states (prefill with keepHidden)");
        var runner = Runner(options, warn);
        try { return new TensorSlotStage(runner.Start(hidden, prefill.PromptIds.Select(i => (long)i).ToArray(), ownRunner: true, promptLogits: prefill.PromptLogits)); }
        catch { runner.Dispose(); throw; }
    }

    public void AdvanceTogether(IReadOnlyList<ISlotStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        SlotStage.AdvanceTogether(stages.Select(s => (s as TensorSlotStage ?? throw new ArgumentException("a SLOT stage of another backend")).Stage).ToList());
    }

    public float[] LogitBias(float[] delta)
    {
        using var runner = Runner(new SlotOptions { Times = 0 }, null);
        using var bias = runner.LogitBias(delta);
        return TensorHost.Floats(bias);
    }

    public void Dispose() => _w32?.Dispose();
}

/// <summary>A <see cref="SlotStage"/> seen through the core's <see cref="ISlotStage"/>: its result comes back as host floats.</summary>
internal sealed class TensorSlotStage(SlotStage stage) : ISlotStage
{
    public SlotStage Stage { get; } = stage;

    public bool Finished => Stage.Finished;

    public SlotOutcome Complete()
    {
        using var result = Stage.Complete();
        return new SlotOutcome(result.Delta, result.Skipped ? null : TensorHost.Floats(result.LogitBias), result.Losses, result.DeltaNorms,
            result.Skipped, result.StopReason);
    }

    public void Dispose() => Stage.Dispose();
}
