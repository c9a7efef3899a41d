using SlotSharp.Backends;

namespace SlotSharp.Slot;

/// <summary>
/// SLOT's prompt-stage math over one backend's own output weight W (V x d): what the engine asks of a backend to run
/// SLOT without knowing how W is stored. The closed-form gradient needs only the prompt's final hidden states H (kept
/// by a prefill with keepHidden), the base logits and W (docs/slot.md). One implementation serves both backends:
/// <see cref="HostSlotMath"/>, in plain .NET over the backend's own W (the torch backend adds its autograd reference).
/// Called from one thread at a time (the engine's).
/// </summary>
public interface ISlotMath
{
    /// <summary>
    /// Starts the prompt stage on a finished prefill that kept H. The stage then takes one optimizer step per
    /// <see cref="AdvanceTogether"/>; <paramref name="warn"/> receives its warnings (e.g. a skipped 1-token prompt).
    /// </summary>
    ISlotStage Start(BackendSequence prefill, SlotOptions options, Action<string> warn);

    /// <summary>One optimizer step of each started stage, their passes over W shared (each keeps its own loss and state).</summary>
    void AdvanceTogether(IReadOnlyList<ISlotStage> stages);

    /// <summary>b = W delta, the logit bias a stored delta adds to every logit.</summary>
    float[] LogitBias(float[] delta);
}

/// <summary>One prompt's SLOT stage in progress; dispose it to free what it holds.</summary>
public interface ISlotStage : IDisposable
{
    /// <summary>No step remains (all taken, stopped early, or nothing to fit).</summary>
    bool Finished { get; }

    /// <summary>The finished stage's result, on the host (call once, when <see cref="Finished"/>).</summary>
    SlotOutcome Complete();
}

/// <summary>
/// What a prompt stage learned. <paramref name="LogitBias"/> is b = W delta (V floats), null when the stage was
/// skipped; <paramref name="Losses"/> holds the loss before each step and after the last.
/// </summary>
public sealed record SlotOutcome(float[] Delta, float[]? LogitBias, IReadOnlyList<double> Losses, IReadOnlyList<double> DeltaNorms,
    bool Skipped, string? StopReason);
