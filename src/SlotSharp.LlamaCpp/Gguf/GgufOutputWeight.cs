using System.IO.MemoryMappedFiles;
using SlotSharp.Slot;

namespace SlotSharp.Gguf;

/// <summary>
/// The output weight W (V x d) of a GGUF file read in place from a memory mapping, in its stored ggml type:
/// output.weight, or token_embd.weight when the embedding is tied. F32 rows are returned from the mapping itself;
/// other rows are decoded into the caller's scratch by <see cref="GgmlDequantize"/>. Nothing of W is copied up front,
/// so a quantized head costs its file size in (shared, evictable) page cache, not V·d·4 bytes of heap.
/// </summary>
internal sealed unsafe class GgufOutputWeight : OutputWeight
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _data;
    readonly long _rowBytes;
    readonly GgmlType _type;
    readonly string _what;
    int _disposed;

    GgufOutputWeight(string what, GgmlType type, int rows, int columns, long rowBytes, MemoryMappedFile map, MemoryMappedViewAccessor view)
        : base(rows, columns)
    {
        _what = what; _type = type; _rowBytes = rowBytes; _map = map; _view = view;
        byte* start = null;
        // Held for the weight's lifetime: the handle cannot be released under a reader; Dispose gives it back.
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _data = start + view.PointerOffset;
    }

    /// <summary>The ggml type name of the stored rows: "F32", "F16", "Q8_0", "Q6_K", "IQ4_NL", ...</summary>
    public override string StorageType => _type.ToString();

    /// <summary>The stored ggml type.</summary>
    public GgmlType Type => _type;

    /// <summary>Bytes of one stored row.</summary>
    public long RowBytes => _rowBytes;

    /// <summary>
    /// Maps <paramref name="ggufPath"/> and finds its output weight (output.weight, else token_embd.weight): a 2-D
    /// tensor of a type <see cref="GgmlDequantize"/> decodes, whole blocks per row, inside the file; a
    /// <see cref="SlotSharpException"/> naming the file and tensor otherwise.
    /// </summary>
    public static GgufOutputWeight Open(string ggufPath)
    {
        if (!File.Exists(ggufPath)) throw new SlotSharpException($"GGUF file not found: {ggufPath}");
        using var fs = new FileStream(ggufPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = GgufHeader.Read(fs, ggufPath);
        var info = GgufLmHead.Find(header, ggufPath);
        var what = $"{ggufPath}: tensor '{info.Name}'";
        if (!GgmlDequantize.CanDecode(info.Type))
            throw new SlotSharpException($"{what} has type {info.Type}, which SlotSharp cannot read as an output weight ({GgmlDequantize.Decodable} can)");
        int columns = (int)info.Dims[0], rows = (int)info.Dims[1];
        var (blockElements, _) = GgufFormat.Block(info.Type);
        if (columns % blockElements != 0)
            throw new SlotSharpException($"{what}: its rows of {columns} values are not whole {info.Type} blocks of {blockElements}");
        long rowBytes = GgufFormat.ByteSize(info.Type, columns), start, length;
        try
        {
            length = checked(rowBytes * rows);
            start = checked(header.DataStart + info.Offset);
            if (checked(start + length) > fs.Length) throw new OverflowException();
        }
        catch (OverflowException)
        {
            throw new SlotSharpException($"{what}: {rows} rows of {rowBytes} bytes do not fit in the file ({fs.Length} bytes)");
        }
        var map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(start, length, MemoryMappedFileAccess.Read);
            return new GgufOutputWeight(what, info.Type, rows, columns, rowBytes, map, view);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public override ReadOnlySpan<float> Row(int row, Span<float> scratch)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        byte* src = _data + row * _rowBytes;
        if (_type == GgmlType.F32) return new ReadOnlySpan<float>(src, Columns);
        if (scratch.Length < Columns) throw new ArgumentException($"scratch holds {scratch.Length} floats; a row of {_what} needs {Columns}", nameof(scratch));
        fixed (float* y = scratch) GgmlDequantize.Row(_type, src, y, Columns);
        return scratch[..Columns];
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }
        base.Dispose(disposing);
    }
}
