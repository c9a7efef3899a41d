using System.Runtime.InteropServices;

namespace SlotSharp.Slot;

/// <summary>
/// A row-major float32 matrix in native memory: a prompt's hidden states H ([T, d]) or logits ([T, V]) handed from a
/// backend to <see cref="HostSlotMath"/>, and the SLOT stage's own [T, V] block. Native, not a managed array, because
/// these blocks run to hundreds of MB per request: on the large-object heap every SLOT request would leave one behind
/// for a full GC to find. Whoever creates one disposes it (a backend sequence disposes its own); the finalizer only
/// catches a forgotten one.
/// </summary>
public sealed unsafe class HostMatrix : IDisposable
{
    float* _data;

    /// <summary>A <paramref name="rows"/> x <paramref name="columns"/> matrix, zero-filled.</summary>
    public HostMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Rows = rows;
        Columns = columns;
        nuint bytes = (nuint)Math.Max(1L, (long)rows * columns) * sizeof(float);
        _data = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_data, bytes);
    }

    /// <summary>Copies <paramref name="values"/> (rows x columns, row-major) into a new matrix.</summary>
    public static HostMatrix From(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix", nameof(values));
        var m = new HostMatrix(rows, columns);
        for (int r = 0; r < rows; r++) values.Slice(r * columns, columns).CopyTo(m.Row(r));
        return m;
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Row <paramref name="row"/>; valid until the matrix is disposed.</summary>
    public Span<float> Row(int row)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"row {row} of a matrix of {Rows} rows");
        return new Span<float>(_data + (long)row * Columns, Columns);
    }

    /// <summary>Rows <paramref name="start"/> .. start + count - 1 as one span (at most int.MaxValue values).</summary>
    public Span<float> RowSpan(int start, int count)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(count));
        return new Span<float>(_data + (long)start * Columns, checked(count * Columns));
    }

    /// <summary>A copy of the first <paramref name="rows"/> rows.</summary>
    public HostMatrix CopyRows(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Rows);
        var copy = new HostMatrix(rows, Columns);
        for (int r = 0; r < rows; r++) Row(r).CopyTo(copy.Row(r));
        return copy;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~HostMatrix() => Free();

    void Free()
    {
        var p = _data;
        _data = null;
        if (p != null) NativeMemory.AlignedFree(p);
    }
}
