using SlotSharp.Backends;

namespace SlotSharp.Slot;

/// <summary>
/// SLOT's prompt-stage math in plain .NET over a backend's own W (<see cref="OutputWeight"/>, any stored format) and
/// the prompt's H and logits the prefill kept (<see cref="BackendSequence.PromptHidden"/>,
/// <see cref="BackendSequence.PromptLogits"/>): one implementation for every backend, with no tensor library. The
/// products with W run on up to <see cref="Threads"/> workers. Borrows W; called from one thread at a time.
/// </summary>
public sealed class HostSlotMath : ISlotMath
{
    /// <param name="weight">W (V x d), owned by the backend.</param>
    /// <param name="threads">Workers for the products with W and the [T, V] passes; 0 for one per core.</param>
    public HostSlotMath(OutputWeight weight, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    public OutputWeight Weight { get; }

    public int Threads { get; }

    public ISlotStage Start(BackendSequence prefill, SlotOptions options, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(prefill);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(warn);
        var hp = options.Resolve();
        if (options.Impl == SlotImplKind.Reference)
            throw new SlotSharpException("SLOT option 'impl' reference (autograd) runs only on the torch backend; use fast");
        var ids = options.FittedIds(prefill.PromptIds);
        if (ids.Length < 2 || hp.Times == 0)
        {
            if (ids.Length < 2 && hp.Times > 0)
                warn($"SLOT skipped for a prompt of {ids.Length} token(s): it needs at least 2 tokens to have a next-token target; delta stays 0");
            return new HostSlotStage(this, null, 0, warn);
        }
        var hidden = prefill.PromptHidden ?? throw new InvalidOperationException("the prefill kept no hidden states (prefill with keepHidden)");
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            if ((uint)id >= (uint)Weight.Rows) throw new SlotSharpException($"SLOT: prompt id {id} at position {i} is outside the vocabulary [0, {Weight.Rows})");
        // The last stage on this prefill takes its logits as E0 (no [T, V] copy); earlier branches copy them.
        bool take = prefill.LastSlotUse && prefill.PromptLogits is not null;
        var logits = take ? prefill.TakePromptLogits() : prefill.PromptLogits;
        HostSlotGradient gradient;
        try { gradient = new HostSlotGradient(Weight, hidden, ids, hp, options.MemoryBudgetBytes, logits, Threads, takeLogits: take); }
        catch
        {
            if (take) logits?.Dispose();
            throw;
        }
        return new HostSlotStage(this, gradient, hp.Times, warn);
    }

    public void AdvanceTogether(IReadOnlyList<ISlotStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var mine = stages.Select(s => s as HostSlotStage is { } h && ReferenceEquals(h.Math, this)
            ? h : throw new ArgumentException("a SLOT stage of another backend", nameof(stages))).ToList();
        if (mine.Distinct().Count() != mine.Count) throw new ArgumentException("a SLOT stage is listed twice", nameof(stages));
        foreach (var stage in mine) stage.CheckAdvanceable();
        if (mine.Count == 1) mine[0].Advance();
        else if (mine.Count > 1) SharedSlotStep.Advance(mine.Select(s => s.Member).ToList());
    }

    public float[] LogitBias(float[] delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Length != Weight.Columns) throw new SlotSharpException($"SLOT: delta has {delta.Length} values but the model's hidden size is {Weight.Columns}");
        return WeightProducts.Products(Weight, [delta], Threads)[0];
    }
}
