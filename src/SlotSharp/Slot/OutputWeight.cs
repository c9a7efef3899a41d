namespace SlotSharp.Slot;

/// <summary>
/// The output weight W (V x d, lm_head or the tied embedding) as its backend stores it, read a row at a time: all
/// SLOT asks of W is the products W x and Wᵀ r (the host SLOT math), and those only need one row decoded
/// at a time, so a quantized W is never expanded to float32 as a whole. Owned by its backend; reads may run on
/// several threads at once, each with its own scratch.
/// </summary>
public abstract class OutputWeight : IDisposable
{
    /// <summary>A weight of <paramref name="rows"/> (V) rows of <paramref name="columns"/> (d) values.</summary>
    protected OutputWeight(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Rows = rows;
        Columns = columns;
    }

    /// <summary>V: one row per vocabulary entry.</summary>
    public int Rows { get; }

    /// <summary>d: the hidden size.</summary>
    public int Columns { get; }

    /// <summary>How the rows are stored: "F32", "BF16", "Q8_0", ... (for messages and documentation).</summary>
    public abstract string StorageType { get; }

    /// <summary>
    /// Row <paramref name="row"/> as float32: the stored row itself when it is float32, else decoded into
    /// <paramref name="scratch"/> (at least <see cref="Columns"/> floats) and returned from there.
    /// </summary>
    public abstract ReadOnlySpan<float> Row(int row, Span<float> scratch);

    /// <summary>Frees what the weight holds (a file mapping); the default holds nothing.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what the weight holds.</summary>
    protected virtual void Dispose(bool disposing) { }
}
