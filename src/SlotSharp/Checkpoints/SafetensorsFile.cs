using System.IO.MemoryMappedFiles;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.IO;

namespace SlotSharp.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
internal sealed record TensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The product of the dimensions; throws OverflowException past 64 bits (a wrapped product could read as 0).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));
}

/// <summary>
/// A memory-mapped .safetensors file: 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets:[begin,end]}, "__metadata__": {...}}, then the data section.
/// The header is validated up front so that a bad file is reported with its path and the tensor at fault,
/// never as a crash in the middle of loading.
/// </summary>
internal sealed class SafetensorsFile : IDisposable
{
    /// <summary>Bytes per element of each dtype the format defines that SlotSharp reads.</summary>
    public static readonly IReadOnlyDictionary<string, int> DTypeSizes = new Dictionary<string, int>
    {
        ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["F64"] = 8, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>A header larger than this is refused (the reference implementation uses 100 MB).</summary>
    const long MaxHeaderBytes = 100_000_000;

    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path; _map = map; _view = view; _dataStart = dataStart; Tensors = tensors; Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        // The opened stream is sized and mapped, never the path: in a Hugging Face cache the path is a symlink
        // into blobs/, and FileInfo.Length would be the link's own length (its target path), not the file's.
        var stream = File.OpenRead(path);
        MemoryMappedFile? map = null;
        try
        {
            var (dataStart, tensors, metadata) = ReadHeader(path, stream);
            // The map owns the stream from here on (leaveOpen: false): disposing the map closes the file.
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafetensorsFile(path, map, view, dataStart, tensors, metadata);
        }
        catch
        {
            if (map != null) map.Dispose();
            else stream.Dispose();
            throw;
        }
    }

    static (long DataStart, Dictionary<string, TensorInfo>, Dictionary<string, string>) ReadHeader(string path, FileStream fs)
    {
        long fileLength = fs.Length;
        if (fileLength < 8) throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        ulong headerLength = BitConverter.ToUInt64(lenBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Bad(path, $"declared header length {headerLength} exceeds the file ({fileLength} bytes)");
        var header = new byte[headerLength];
        fs.ReadExactly(header);
        long dataStart = 8 + header.Length;
        var (tensors, metadata) = ParseHeader(path, header, fileLength - dataStart);
        return (dataStart, tensors, metadata);
    }

    static (Dictionary<string, TensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        using var doc = UserJson.Parse(header, $"{path}: header");
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");

        var tensors = new Dictionary<string, TensorInfo>();
        var metadata = new Dictionary<string, string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                continue;
            }
            tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
        }

        // Offsets must tile without overlap (gaps are tolerated, overlaps are not).
        long previousEnd = 0; string? previous = null;
        foreach (var t in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < previousEnd)
                throw Bad(path, $"tensor '{t.Name}' [{t.Begin}, {t.End}) overlaps tensor '{previous}' ending at {previousEnd}");
            previousEnd = t.End; previous = t.Name;
        }
        return (tensors, metadata);
    }

    static TensorInfo ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        try
        {
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            if (!DTypeSizes.TryGetValue(dtype, out var size))
                throw Bad(path, $"tensor '{name}' has unknown dtype '{dtype}' (known: {string.Join(", ", DTypeSizes.Keys)})");
            var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            if (shape.Any(s => s < 0)) throw Bad(path, $"tensor '{name}' has a negative dimension in shape [{string.Join(",", shape)}]");
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            if (offsets.Length != 2) throw Bad(path, $"tensor '{name}' data_offsets must have 2 entries");
            var info = new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
            if (info.Begin < 0 || info.End < info.Begin || info.End > dataLength)
                throw Bad(path, $"tensor '{name}' data_offsets [{info.Begin}, {info.End}) lie outside the data section ({dataLength} bytes)");
            long expected = checked(info.ElementCount * size);
            if (info.End - info.Begin != expected)
                throw Bad(path, $"tensor '{name}' has {info.End - info.Begin} bytes but dtype {dtype} x shape [{string.Join(",", shape)}] needs {expected}");
            return info;
        }
        catch (KeyNotFoundException) { throw Bad(path, $"tensor '{name}' lacks dtype, shape or data_offsets"); }
        catch (InvalidOperationException) { throw Bad(path, $"tensor '{name}' has a malformed entry"); }
        catch (FormatException) { throw Bad(path, $"tensor '{name}' has a non-integer shape or offset"); }
        catch (OverflowException) { throw Bad(path, $"tensor '{name}' has a shape or byte count beyond 64 bits ({e.GetProperty("shape").GetRawText()})"); }
    }

    static SlotSharpException Bad(string path, string why) => new($"{path}: {why}");

    /// <summary>
    /// Writes float32 tensors (and string metadata) as a safetensors file: the header is padded with spaces so the
    /// data starts 8-byte aligned, as the reference writer does; written beside the target, then renamed into place.
    /// </summary>
    public static void WriteFloat32(string path, IReadOnlyList<(string Name, long[] Shape, float[] Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject([.. metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);
        long offset = 0;
        foreach (var (name, shape, data) in tensors)
        {
            if (shape.Aggregate(1L, (a, b) => a * b) != data.Length)
                throw new ArgumentException($"tensor '{name}': shape [{string.Join(",", shape)}] does not hold {data.Length} values");
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + 4L * data.Length),
            };
            offset += 4L * data.Length;
        }
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
        {
            fs.Write(BitConverter.GetBytes((ulong)padded));
            fs.Write(json);
            for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, _, data) in tensors) fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Copies the stored bytes of tensor <paramref name="info"/> from <paramref name="offset"/> into
    /// <paramref name="destination"/> (the TorchSharp backend reads its weights through this, chunk by chunk).
    /// </summary>
    internal unsafe void CopyBytes(TensorInfo info, long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > info.End - info.Begin) throw new ArgumentOutOfRangeException(nameof(offset));
        byte* basePtr = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try { new ReadOnlySpan<byte>(basePtr + _view.PointerOffset + _dataStart + info.Begin + offset, destination.Length).CopyTo(destination); }
        finally { _view.SafeMemoryMappedViewHandle.ReleasePointer(); }
    }

    /// <summary>An F32 tensor's values (at most int.MaxValue of them) as a new array.</summary>
    public float[] ReadFloat32(string name)
    {
        if (!Tensors.TryGetValue(name, out var info)) throw new KeyNotFoundException($"{Path}: no tensor '{name}'");
        if (info.DType != "F32") throw Bad(Path, $"tensor '{name}' is {info.DType}, not F32");
        var values = new float[checked((int)info.ElementCount)];
        CopyBytes(info, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
