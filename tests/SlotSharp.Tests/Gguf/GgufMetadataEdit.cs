using System.Text;
using SlotSharp.Gguf;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// Rewrites a valid GGUF file with some metadata values replaced, added or removed, every other byte kept: the other
/// values in their original encoding, the tensor descriptors and the tensor data (re-aligned after the new header).
/// </summary>
public sealed class GgufMetadataEdit
{
    readonly List<(string Key, byte[] Encoded)> _entries = [];
    readonly byte[] _prefix; // magic and version
    readonly ulong _tensorCount;
    readonly byte[] _tensorInfos;
    readonly byte[] _data;
    readonly int _alignment;

    public GgufMetadataEdit(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var ms = new MemoryStream(bytes);
        var header = GgufHeader.Read(ms, path);
        _alignment = header.Alignment;
        var r = new BinaryReader(new MemoryStream(bytes));
        _prefix = r.ReadBytes(8);
        _tensorCount = r.ReadUInt64();
        ulong kvCount = r.ReadUInt64();
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));
            long start = r.BaseStream.Position;
            Skip(r, r.ReadUInt32());
            long end = r.BaseStream.Position;
            _entries.Add((key, bytes[(int)start..(int)end]));
        }
        long infoStart = r.BaseStream.Position;
        for (ulong i = 0; i < _tensorCount; i++)
        {
            long nameLength = (long)r.ReadUInt64(); // read before Position is: `Position += Read()` would lose the read
            r.BaseStream.Position += nameLength;
            uint dims = r.ReadUInt32();
            r.BaseStream.Position += 8L * dims + 4 + 8;
        }
        _tensorInfos = bytes[(int)infoStart..(int)r.BaseStream.Position];
        _data = bytes[(int)header.DataStart..];
    }

    static void Skip(BinaryReader r, uint type)
    {
        switch ((GgufValueType)type)
        {
            case GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool: r.BaseStream.Position += 1; break;
            case GgufValueType.UInt16 or GgufValueType.Int16: r.BaseStream.Position += 2; break;
            case GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32: r.BaseStream.Position += 4; break;
            case GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64: r.BaseStream.Position += 8; break;
            case GgufValueType.String:
                long length = (long)r.ReadUInt64();
                r.BaseStream.Position += length;
                break;
            case GgufValueType.Array:
                uint element = r.ReadUInt32();
                ulong n = r.ReadUInt64();
                for (ulong i = 0; i < n; i++) Skip(r, element);
                break;
            default: throw new InvalidDataException($"value type {type}");
        }
    }

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <summary>The key's value as written: its type tag then its bytes.</summary>
    public byte[] Raw(string key) => _entries.First(e => e.Key == key).Encoded;

    public GgufMetadataEdit Set(string key, byte[] encoded)
    {
        int i = _entries.FindIndex(e => e.Key == key);
        if (i >= 0) _entries[i] = (key, encoded);
        else _entries.Add((key, encoded));
        return this;
    }

    public GgufMetadataEdit Remove(string key)
    {
        _entries.RemoveAll(e => e.Key == key);
        return this;
    }

    public void WriteTo(string path)
    {
        using var fs = File.Create(path);
        var w = new BinaryWriter(fs);
        w.Write(_prefix);
        w.Write(_tensorCount);
        w.Write((ulong)_entries.Count);
        foreach (var (key, encoded) in _entries)
        {
            var k = Encoding.UTF8.GetBytes(key);
            w.Write((ulong)k.Length);
            w.Write(k);
            w.Write(encoded);
        }
        w.Write(_tensorInfos);
        long pad = (_alignment - fs.Position % _alignment) % _alignment;
        w.Write(new byte[pad]);
        w.Write(_data);
    }

    // Encoders of one value: type tag, then the value.
    static byte[] Tagged(GgufValueType type, Action<BinaryWriter> body)
    {
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write((uint)type);
        body(w);
        w.Flush();
        return ms.ToArray();
    }

    public static byte[] U32(uint v) => Tagged(GgufValueType.UInt32, w => w.Write(v));
    public static byte[] I32(int v) => Tagged(GgufValueType.Int32, w => w.Write(v));
    public static byte[] U64(ulong v) => Tagged(GgufValueType.UInt64, w => w.Write(v));
    public static byte[] I64(long v) => Tagged(GgufValueType.Int64, w => w.Write(v));
    public static byte[] F32(float v) => Tagged(GgufValueType.Float32, w => w.Write(v));
    public static byte[] F64(double v) => Tagged(GgufValueType.Float64, w => w.Write(v));
    public static byte[] Bool(bool v) => Tagged(GgufValueType.Bool, w => w.Write(v));
    public static byte[] Str(string v) => Tagged(GgufValueType.String, w => WriteString(w, v));

    static void WriteString(BinaryWriter w, string v)
    {
        var b = Encoding.UTF8.GetBytes(v);
        w.Write((ulong)b.Length);
        w.Write(b);
    }

    public static byte[] Strings(IReadOnlyList<string> items) => Tagged(GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.String);
        w.Write((ulong)items.Count);
        foreach (var s in items) WriteString(w, s);
    });

    public static byte[] Int32s(IReadOnlyList<int> items) => Tagged(GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.Int32);
        w.Write((ulong)items.Count);
        foreach (var v in items) w.Write(v);
    });

    public static byte[] UInt32s(IReadOnlyList<uint> items) => Tagged(GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.UInt32);
        w.Write((ulong)items.Count);
        foreach (var v in items) w.Write(v);
    });

    public static byte[] Float32s(IReadOnlyList<float> items) => Tagged(GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.Float32);
        w.Write((ulong)items.Count);
        foreach (var v in items) w.Write(v);
    });
}
