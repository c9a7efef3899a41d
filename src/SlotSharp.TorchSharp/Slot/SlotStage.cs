using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// One prompt's SLOT prompt stage run one optimizer step at a time (<see cref="SlotRunner.Start"/>), so a scheduler
/// can run other requests' decode steps between SLOT steps (each step is one pass over W). <see cref="Complete"/> gives
/// the <see cref="SlotResult"/> that <see cref="SlotRunner.Run"/> gives, which is this stage run to the end. It knows
/// nothing of the model: H, W and the ids are all it has. Dispose it to free its state. Not thread-safe.
/// </summary>
internal sealed class SlotStage : IDisposable
{
    readonly SlotRunner _runner;
    readonly ISlotGradient? _engine; // null when the stage is skipped (fewer than 2 tokens, or times 0)
    readonly SlotLoop? _loop;
    readonly IDisposable? _owned;
    bool _completed, _disposed;

    internal SlotStage(SlotRunner runner, ISlotGradient? engine, int times, IDisposable? owned)
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

    /// <summary>
    /// One <see cref="Advance"/> of every stage, with the passes over W shared among the fast-path stages over the same
    /// W: their products u_i = W delta_i run as one W [delta_1 .. delta_k] and their gradients g_i = Wᵀ r_i as one
    /// Wᵀ [r_1 .. r_k] (memory-bound, so k products cost little more than one: docs/engine.md). Each stage keeps its own
    /// loss, optimizer state and stop bookkeeping, so the results equal each stage advanced alone up to the rounding
    /// of the shared product. Reference-path stages and a stage alone on its W advance alone, exactly as
    /// <see cref="Advance"/>. Every stage must be unfinished and distinct.
    /// </summary>
    public static void AdvanceTogether(IReadOnlyList<SlotStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        foreach (var stage in stages)
        {
            ObjectDisposedException.ThrowIf(stage._disposed, stage);
            if (stage.Finished) throw new InvalidOperationException("the SLOT stage has run all its steps");
        }
        if (stages.Distinct().Count() != stages.Count) throw new ArgumentException("a SLOT stage is listed twice", nameof(stages));
        var groups = new List<List<SlotStage>>();
        foreach (var stage in stages)
        {
            if (stage._engine is not HostSlotGradient) { groups.Add([stage]); continue; }
            var group = groups.FirstOrDefault(g => g[0]._engine is HostSlotGradient && g[0]._runner.SharesWeightWith(stage._runner));
            if (group != null) group.Add(stage);
            else groups.Add([stage]);
        }
        foreach (var group in groups)
        {
            if (group.Count == 1) group[0].Advance();
            else SharedSlotStep.Advance(group.Select(s => (s._loop!, (HostSlotGradient)s._engine!)).ToList());
        }
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
