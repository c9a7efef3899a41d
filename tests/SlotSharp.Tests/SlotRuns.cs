using SlotSharp.Backends;
using SlotSharp.Slot;

namespace SlotSharp.Tests;

/// <summary>Test helpers for the core's SLOT seam and its host matrices.</summary>
internal static class SlotRuns
{
    /// <summary>A backend's whole SLOT prompt stage on a prefill, through <see cref="ISlotMath"/> as the engine drives it.</summary>
    public static SlotOutcome RunToEnd(ISlotMath math, BackendSequence prefill, SlotOptions options, Action<string>? warn = null,
        CancellationToken cancel = default)
    {
        using var stage = math.Start(prefill, options, warn ?? (_ => { }));
        while (!stage.Finished)
        {
            cancel.ThrowIfCancellationRequested();
            math.AdvanceTogether([stage]);
        }
        return stage.Complete();
    }

    /// <summary>All values, row-major.</summary>
    public static float[] Floats(this HostMatrix m)
    {
        var values = new float[(long)m.Rows * m.Columns];
        for (int r = 0; r < m.Rows; r++) m.Row(r).CopyTo(values.AsSpan(r * m.Columns, m.Columns));
        return values;
    }

    /// <summary>A float32 CPU tensor copy.</summary>
    public static TorchSharp.torch.Tensor ToTensor(this HostMatrix m) => SlotSharp.Runtime.TensorHost.Tensor(m);
}
