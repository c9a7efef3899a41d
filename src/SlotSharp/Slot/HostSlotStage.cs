namespace SlotSharp.Slot;

/// <summary>
/// One prompt's SLOT stage on <see cref="HostSlotMath"/>: a <see cref="SlotLoop"/> over a <see cref="HostSlotGradient"/>,
/// advanced one optimizer step at a time so the engine can decode other requests between steps. Skipped stages (a
/// 1-token prompt, times 0) have no gradient and are finished from the start. Not thread-safe.
/// </summary>
internal sealed class HostSlotStage : ISlotStage
{
    readonly HostSlotMath _math;
    readonly HostSlotGradient? _gradient;
    readonly SlotLoop? _loop;
    readonly Action<string> _warn;
    bool _completed, _disposed;

    public HostSlotStage(HostSlotMath math, HostSlotGradient? gradient, int times, Action<string> warn)
    {
        _math = math;
        _gradient = gradient;
        _loop = gradient is null ? null : new SlotLoop(gradient, times, gradient.HiddenSize);
        _warn = warn;
    }

    public bool Finished => _loop?.Done ?? true;

    internal HostSlotMath Math => _math;

    internal (SlotLoop Loop, HostSlotGradient Gradient) Member => (_loop!, _gradient!);

    internal void CheckAdvanceable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Finished) throw new InvalidOperationException("the SLOT stage has run all its steps");
    }

    /// <summary>One optimizer step of this stage alone (the last one also evaluates the final loss).</summary>
    public void Advance()
    {
        CheckAdvanceable();
        _loop!.Advance();
    }

    public SlotOutcome Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Finished) throw new InvalidOperationException("the SLOT stage has steps left to run");
        if (_completed) throw new InvalidOperationException("the SLOT stage's result was already taken");
        _completed = true;
        var outcome = _loop?.Result;
        if (outcome is null) return new SlotOutcome(new float[_math.Weight.Columns], null, [], [], Skipped: true, StopReason: null);
        if (outcome.StopReason is { } reason) _warn($"SLOT stopped early: {reason}");
        var delta = new float[outcome.Delta.Length];
        for (int i = 0; i < delta.Length; i++) delta[i] = (float)outcome.Delta[i];
        var bias = _gradient!.TakeLogitBias() ?? _math.LogitBias(delta);
        return new SlotOutcome(delta, bias, outcome.Losses, outcome.DeltaNorms, Skipped: false, outcome.StopReason);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _gradient?.Dispose();
    }
}
