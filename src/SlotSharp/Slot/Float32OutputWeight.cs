namespace SlotSharp.Slot;

/// <summary>A float32 W held in a managed array (row-major V x d): synthetic weights in tests and tools.</summary>
internal sealed class Float32OutputWeight(float[] values, int rows, int columns) : OutputWeight(rows, columns)
{
    readonly float[] _values = values.Length == (long)rows * columns ? values
        : throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix", nameof(values));

    public override string StorageType => "F32";

    public override ReadOnlySpan<float> Row(int row, Span<float> scratch) => _values.AsSpan(checked(row * Columns), Columns);
}
