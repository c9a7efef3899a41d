using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// One prompt's SLOT prompt stage run one optimizer step at a time (<see cref="SlotRunner.Start"/>), so a scheduler
/// can run other requests' decode steps between SLOT steps (each step is one pass over W). <see cref="Complete"/> gives
/// the <see cref="SlotResult"/> that <see cref="SlotRunner.Run"/> gives, which is this stage run to the end. It knows
/// nothing of the model: H, W and the ids are all it has. Dispose it to free its state. Not thread-safe.
/// </summary>
public sealed class SlotStage : IDisposable
{
    readonly SlotRunner _runner;
    readonly ISlotEngine? _engine; // null when the stage is skipped (fewer than 2 tokens, or times 0)
    readonly SlotLoop? _loop;
    readonly IDisposable? _owned;
    bool _completed, _disposed;

    internal SlotStage(SlotRunner runner, ISlotEngine? engine, int times, IDisposable? owned)
    {
        _runner = runner;
        _engine = engine;
        _loop = engine == null ? null : new SlotLoop(engine, times, runner.HiddenSize);
        _owned = owned;
    }

    /// <summary>True once every step has run, optimization stopped early, or there was nothing to optimize.</summary>
    public bool Finished => _loop?.Done ?? true;

    /// <summary>One optimizer step (the last one also evaluates the final loss).</summary>
    public void Advance()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Finished) throw new InvalidOperationException("the SLOT stage has run all its steps");
        using var scope = NewDisposeScope(); // the step's temporaries; the engine keeps its own state out of scopes
        _loop!.Advance();
    }

    /// <summary>The stage's result (the caller owns and disposes it); once, after <see cref="Finished"/>.</summary>
    public SlotResult Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Finished) throw new InvalidOperationException("the SLOT stage has steps left to run");
        if (_completed) throw new InvalidOperationException("the SLOT stage's result was already taken");
        _completed = true;
        using var scope = NewDisposeScope();
        return _runner.Finish(_loop?.Result, _engine?.TakeLogitBias());
    }

    /// <summary>The whole stage at once; <paramref name="cancel"/> is checked before every step (OperationCanceledException).</summary>
    public static SlotResult RunToEnd(SlotStage stage, CancellationToken cancel = default)
    {
        using (stage)
        {
            while (!stage.Finished)
            {
                cancel.ThrowIfCancellationRequested();
                stage.Advance();
            }
            return stage.Complete();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _engine?.Dispose();
        _owned?.Dispose();
    }
}
