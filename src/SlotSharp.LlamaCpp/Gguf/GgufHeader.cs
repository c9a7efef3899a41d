using System.Text;

namespace SlotSharp.Gguf;

/// <summary>One tensor descriptor: ggml-order dimensions (innermost first), type, offset in the data section.</summary>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgmlType Type, long Offset)
{
    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => GgufFormat.ByteSize(Type, ElementCount);
}

/// <summary>
/// The parsed header of a GGUF file: metadata and tensor descriptors, validated against the file length so that a
/// truncated or hostile file is refused with its path and the field at fault, never read out of bounds.
/// Metadata values are string, long, ulong, double, bool, or object[] for arrays.
/// </summary>
public sealed class GgufHeader
{
    /// <summary>Arrays nest at most this deep (GGUF files in the wild nest none).</summary>
    const int MaxArrayDepth = 4;

    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long DataStart { get; }
    public int Alignment { get; }

    GgufHeader(Dictionary<string, object> metadata, List<GgufTensorInfo> tensors, long dataStart, int alignment)
    {
        Metadata = metadata; Tensors = tensors; DataStart = dataStart; Alignment = alignment;
    }

    /// <summary>Parses the header from <paramref name="stream"/> (positioned at 0); <paramref name="source"/> names it in errors.</summary>
    public static GgufHeader Read(Stream stream, string source)
    {
        long length = stream.Length;
        var r = new Reader(stream, source, length);
        if (r.U32("magic") != GgufFormat.Magic) throw r.Bad("not a GGUF file (bad magic)");
        uint version = r.U32("version");
        if (version is < 2 or > 3) throw r.Bad($"GGUF version {version} is not supported (2 and 3 are)");
        long tensorCount = r.Count("tensor_count", 8);
        long kvCount = r.Count("metadata_kv_count", 12);

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = r.Str("metadata key");
            var type = (GgufValueType)r.U32($"type of '{key}'");
            if (!metadata.TryAdd(key, r.Value(type, key, 0))) throw r.Bad($"metadata key '{key}' appears twice");
        }
        int alignment = GgufFormat.DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var a))
        {
            if (a is not long al || al <= 0 || al > 1 << 20 || (al & (al - 1)) != 0)
                throw r.Bad("general.alignment must be a power of two up to 1 MiB");
            alignment = (int)al;
        }

        var tensors = new List<GgufTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            string name = r.Str("tensor name");
            if (!names.Add(name)) throw r.Bad($"tensor '{name}' appears twice");
            uint nDims = r.U32($"dimension count of '{name}'");
            if (nDims is 0 or > 4) throw r.Bad($"tensor '{name}' has {nDims} dimensions (1 to 4 allowed)");
            var dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                ulong dim = r.U64($"dimension {d} of '{name}'");
                if (dim == 0 || dim > long.MaxValue) throw r.Bad($"tensor '{name}' has dimension {dim}");
                dims[d] = (long)dim;
                try { elements = checked(elements * dims[d]); }
                catch (OverflowException) { throw r.Bad($"tensor '{name}' has more elements than fit in 64 bits"); }
            }
            var type = (GgmlType)r.U32($"type of '{name}'");
            if (!GgufFormat.IsKnown(type)) throw r.Bad($"tensor '{name}' has unknown ggml type {(uint)type}");
            if (dims[0] % GgufFormat.Block(type).BlockElements != 0)
                throw r.Bad($"tensor '{name}': its first dimension {dims[0]} is not a whole number of {type} blocks");
            ulong offset = r.U64($"offset of '{name}'");
            if (offset > long.MaxValue || (long)offset % alignment != 0) throw r.Bad($"tensor '{name}' has misaligned offset {offset}");
            tensors.Add(new GgufTensorInfo(name, dims, type, (long)offset));
        }

        long dataStart = GgufFormat.AlignUp(stream.Position, alignment);
        foreach (var t in tensors)
        {
            long end;
            try { end = checked(dataStart + t.Offset + t.ByteLength); }
            catch (OverflowException) { throw r.Bad($"tensor '{t.Name}' is too large"); }
            if (end > length) throw r.Bad($"tensor '{t.Name}' ends at byte {end}, past the end of the file ({length} bytes)");
        }
        return new GgufHeader(metadata, tensors, dataStart, alignment);
    }

    public string? String(string key) => Metadata.TryGetValue(key, out var v) ? v as string : null;

    public long? Integer(string key) => Metadata.TryGetValue(key, out var v) ? v switch
    {
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        _ => null,
    } : null;

    public object[]? Array(string key) => Metadata.TryGetValue(key, out var v) ? v as object[] : null;

    /// <summary>Reads little-endian primitives with every length checked against the bytes left in the file.</summary>
    sealed class Reader(Stream stream, string source, long length)
    {
        readonly BinaryReader _r = new(stream, Encoding.UTF8, leaveOpen: true);

        public SlotSharpException Bad(string why) => new($"{source}: {why}");

        long Left => length - stream.Position;

        void Need(long bytes, string what)
        {
            if (bytes > Left) throw Bad($"file ends inside {what}");
        }

        public uint U32(string what) { Need(4, what); return _r.ReadUInt32(); }
        public ulong U64(string what) { Need(8, what); return _r.ReadUInt64(); }

        /// <summary>A count of items that each take at least <paramref name="minItemBytes"/> bytes.</summary>
        public long Count(string what, int minItemBytes)
        {
            ulong n = U64(what);
            if (n > (ulong)(Left / minItemBytes)) throw Bad($"{what} {n} cannot fit in the file");
            return (long)n;
        }

        public string Str(string what)
        {
            ulong n = U64(what);
            if (n > (ulong)Left) throw Bad($"{what}: string of {n} bytes runs past the end of the file");
            var bytes = _r.ReadBytes((int)Math.Min(n, int.MaxValue));
            if ((ulong)bytes.Length != n) throw Bad($"{what}: string of {n} bytes is too long");
            try { return new UTF8Encoding(false, true).GetString(bytes); }
            catch (DecoderFallbackException) { throw Bad($"{what} is not valid UTF-8"); }
        }

        public object Value(GgufValueType type, string key, int depth)
        {
            string what = $"value of '{key}'";
            switch (type)
            {
                case GgufValueType.UInt8: Need(1, what); return (long)_r.ReadByte();
                case GgufValueType.Int8: Need(1, what); return (long)_r.ReadSByte();
                case GgufValueType.UInt16: Need(2, what); return (long)_r.ReadUInt16();
                case GgufValueType.Int16: Need(2, what); return (long)_r.ReadInt16();
                case GgufValueType.UInt32: return (long)U32(what);
                case GgufValueType.Int32: Need(4, what); return (long)_r.ReadInt32();
                case GgufValueType.UInt64: { ulong u = U64(what); return u <= long.MaxValue ? (long)u : u; }
                case GgufValueType.Int64: Need(8, what); return _r.ReadInt64();
                case GgufValueType.Float32: Need(4, what); return (double)_r.ReadSingle();
                case GgufValueType.Float64: Need(8, what); return _r.ReadDouble();
                case GgufValueType.Bool:
                    Need(1, what);
                    byte b = _r.ReadByte();
                    return b <= 1 ? b == 1 : throw Bad($"'{key}' is a bool holding {b}");
                case GgufValueType.String: return Str(what);
                case GgufValueType.Array:
                    if (depth >= MaxArrayDepth) throw Bad($"'{key}' nests arrays deeper than {MaxArrayDepth}");
                    var elementType = (GgufValueType)U32($"element type of '{key}'");
                    if (!Enum.IsDefined(elementType)) throw Bad($"'{key}' has unknown element type {(uint)elementType}");
                    long n = Count($"length of '{key}'", MinBytes(elementType));
                    var items = new object[n];
                    for (long i = 0; i < n; i++) items[i] = Value(elementType, key, depth + 1);
                    return items;
                default: throw Bad($"'{key}' has unknown value type {(uint)type}");
            }
        }

        static int MinBytes(GgufValueType t) => t switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            _ => 8,
        };
    }
}
