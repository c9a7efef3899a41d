using System.IO.MemoryMappedFiles;

namespace SlotSharp.Gguf;

/// <summary>A memory-mapped GGUF file: its validated header and its tensors, dequantized to float32 on request.</summary>
public sealed class GgufFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly Dictionary<string, GgufTensorInfo> _byName;

    public string Path { get; }
    public GgufHeader Header { get; }

    GgufFile(string path, GgufHeader header, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path; Header = header; _map = map; _view = view;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public static GgufFile Open(string path)
    {
        if (!File.Exists(path)) throw new SlotSharpException($"GGUF file not found: {path}");
        // The opened stream's length is the target's, also where the path is a symlink into a Hub cache.
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = GgufHeader.Read(fs, path);
        var map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try { return new GgufFile(path, header, map, map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read)); }
        catch { map.Dispose(); throw; }
    }

    public GgufTensorInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The tensor's values as float32, row-major with the innermost ggml dimension last.</summary>
    public unsafe float[] ReadFloat32(string name)
    {
        var info = Find(name) ?? throw new SlotSharpException($"{Path}: no tensor '{name}'");
        if (info.ElementCount > Array.MaxLength) throw new SlotSharpException($"{Path}: tensor '{name}' is too large to read into one array");
        var output = new float[info.ElementCount];
        byte* basePtr = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            byte* src = basePtr + _view.PointerOffset + Header.DataStart + info.Offset;
            GgmlDequantize.ToFloat32(info.Type, src, info.ByteLength, output, $"{Path}: tensor '{name}'");
        }
        finally { _view.SafeMemoryMappedViewHandle.ReleasePointer(); }
        return output;
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
