using SlotSharp.Backends;
using SlotSharp.Runtime;

namespace SlotSharp.Slot;

/// <summary>
/// The torch backend's <see cref="ISlotMath"/>: the fast path is the core's <see cref="HostSlotMath"/> over W read in
/// place (<see cref="TensorOutputWeight"/>), the same code the llama.cpp backend runs; the autograd reference
/// (<see cref="SlotImplKind.Reference"/>), which only a tensor library can run, goes through <see cref="SlotRunner"/>.
/// Owned by its backend, which disposes it.
/// </summary>
internal sealed class TensorSlotMath(TorchSharp.torch.Tensor lmHead) : ISlotMath, IDisposable
{
    TensorOutputWeight? _weight;
    HostSlotMath? _host;

    HostSlotMath Host => _host ??= new HostSlotMath(_weight = new TensorOutputWeight(lmHead), Math.Max(1, TorchSharp.torch.get_num_threads()));

    public ISlotStage Start(BackendSequence prefill, SlotOptions options, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(prefill);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Impl != SlotImplKind.Reference) return Host.Start(prefill, options, warn);
        var hidden = prefill.PromptHidden ?? throw new InvalidOperationException("the prefill kept no hidden states (prefill with keepHidden)");
        var runner = new SlotRunner(lmHead, options, warn);
        try
        {
            var ids = options.FittedIds(prefill.PromptIds);
            using var h = TensorHost.Tensor(hidden);
            using var fitted = h.narrow(0, 0, ids.Length);
            using var typed = fitted.to(lmHead.dtype);
            return new ReferenceStage(runner.Start(typed, ids.Select(i => (long)i).ToArray(), ownRunner: true));
        }
        catch { runner.Dispose(); throw; }
    }

    public void AdvanceTogether(IReadOnlyList<ISlotStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        // Reference stages advance alone (autograd shares nothing); the fast ones share their passes over W.
        var host = stages.Where(s => s is not ReferenceStage).ToList();
        foreach (var s in stages.OfType<ReferenceStage>()) s.Stage.Advance();
        if (host.Count > 0) Host.AdvanceTogether(host);
    }

    public float[] LogitBias(float[] delta) => Host.LogitBias(delta);

    public void Dispose() => _weight?.Dispose();

    /// <summary>An autograd <see cref="SlotStage"/> seen through the core's <see cref="ISlotStage"/>.</summary>
    sealed class ReferenceStage(SlotStage stage) : ISlotStage
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
}
