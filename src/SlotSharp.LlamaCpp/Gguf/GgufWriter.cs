using System.Text;

namespace SlotSharp.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata key/values, tensor descriptors, then the tensor data, each tensor aligned.
/// Tensor data is streamed from callbacks, so a multi-gigabyte model is never held in memory twice.
/// </summary>
public sealed class GgufWriter
{
    sealed record PendingTensor(string Name, long[] Dims, GgmlType Type, long ByteLength, Action<Stream> Write);

    readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    readonly List<PendingTensor> _tensors = [];
    readonly HashSet<string> _keys = [];
    public int Alignment { get; } = GgufFormat.DefaultAlignment;

    public void AddString(string key, string value) => Add(key, GgufValueType.String, value);
    public void AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, value);
    public void AddInt32(string key, int value) => Add(key, GgufValueType.Int32, value);
    public void AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, value);
    public void AddBool(string key, bool value) => Add(key, GgufValueType.Bool, value);
    public void AddStrings(string key, IReadOnlyList<string> values) => Add(key, GgufValueType.Array, values);
    public void AddInt32s(string key, IReadOnlyList<int> values) => Add(key, GgufValueType.Array, values);
    public void AddFloat32s(string key, IReadOnlyList<float> values) => Add(key, GgufValueType.Array, values);

    void Add(string key, GgufValueType type, object value)
    {
        if (!_keys.Add(key)) throw new InvalidOperationException($"GGUF key '{key}' added twice");
        _metadata.Add((key, type, value));
    }

    /// <summary>
    /// Adds a tensor. <paramref name="dims"/> is in ggml order (innermost first: a PyTorch [out, in] weight is
    /// [in, out]); <paramref name="write"/> must write exactly <paramref name="byteLength"/> bytes.
    /// </summary>
    public void AddTensor(string name, long[] dims, GgmlType type, long byteLength, Action<Stream> write)
    {
        long elements = dims.Aggregate(1L, (a, b) => checked(a * b));
        if (GgufFormat.ByteSize(type, elements) != byteLength)
            throw new InvalidOperationException($"tensor '{name}': {byteLength} bytes do not match {type} x [{string.Join(",", dims)}]");
        _tensors.Add(new PendingTensor(name, dims, type, byteLength, write));
    }

    /// <summary>Writes the file beside <paramref name="path"/> and renames it into place (no partial file on failure).</summary>
    public void WriteTo(string path)
    {
        var tmp = path + ".partial";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(fs);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    void WriteTo(Stream stream)
    {
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFormat.Magic);
        w.Write(GgufFormat.Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            WriteValue(w, value);
        }
        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (var d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = GgufFormat.AlignUp(offset + t.ByteLength, Alignment);
        }
        w.Flush();
        Pad(stream);
        foreach (var t in _tensors)
        {
            long start = stream.Position;
            t.Write(stream);
            if (stream.Position - start != t.ByteLength)
                throw new InvalidOperationException($"tensor '{t.Name}' wrote {stream.Position - start} bytes, expected {t.ByteLength}");
            Pad(stream);
        }
    }

    void Pad(Stream stream)
    {
        long aligned = GgufFormat.AlignUp(stream.Position, Alignment);
        for (long i = stream.Position; i < aligned; i++) stream.WriteByte(0);
    }

    static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case string s: WriteString(w, s); break;
            case uint u: w.Write(u); break;
            case int i: w.Write(i); break;
            case float f: w.Write(f); break;
            case bool b: w.Write((byte)(b ? 1 : 0)); break;
            case IReadOnlyList<string> strings:
                w.Write((uint)GgufValueType.String); w.Write((ulong)strings.Count);
                foreach (var s in strings) WriteString(w, s);
                break;
            case IReadOnlyList<int> ints:
                w.Write((uint)GgufValueType.Int32); w.Write((ulong)ints.Count);
                foreach (var i in ints) w.Write(i);
                break;
            case IReadOnlyList<float> floats:
                w.Write((uint)GgufValueType.Float32); w.Write((ulong)floats.Count);
                foreach (var f in floats) w.Write(f);
                break;
            default: throw new InvalidOperationException($"no GGUF encoding for {value.GetType().Name}");
        }
    }
}
