using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// Outcome of the SLOT prompt stage for one prompt. <see cref="LogitBias"/> (b = W delta, float32, V) is what
/// generation adds to every later logit; dispose the result to free it.
/// </summary>
internal sealed class SlotResult : IDisposable
{
    public SlotResult(float[] delta, IReadOnlyList<double> losses, IReadOnlyList<double> deltaNorms, Tensor logitBias, bool skipped, string? stopReason)
    {
        Delta = delta;
        Losses = losses;
        DeltaNorms = deltaNorms;
        LogitBias = logitBias;
        Skipped = skipped;
        StopReason = stopReason;
    }

    /// <summary>The learned delta (d floats); zeros when skipped.</summary>
    public float[] Delta { get; }

    /// <summary>
    /// Loss at the delta before each step and after the last: times + 1 values when all steps ran (the goldens'
    /// <c>losses</c> are the first <c>times</c>). On an early stop the last entry is the non-finite loss that stopped it.
    /// </summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>‖delta‖₂ after each completed step.</summary>
    public IReadOnlyList<double> DeltaNorms { get; }

    /// <summary>b = W delta (float32, V), on the LM head's device.</summary>
    public Tensor LogitBias { get; }

    /// <summary>True when the prompt had fewer than 2 tokens (nothing to fit) or times was 0.</summary>
    public bool Skipped { get; }

    /// <summary>Why optimization stopped before <c>times</c> steps (non-finite loss or gradient), else null.</summary>
    public string? StopReason { get; }

    public int StepsTaken => DeltaNorms.Count;

    public void Dispose() => LogitBias.Dispose();
}
