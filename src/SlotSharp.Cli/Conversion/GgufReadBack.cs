namespace SlotSharp.Gguf;

/// <summary>
/// Reads back the header of a GGUF the converter wrote and holds it to the tensors it meant to write: a file that
/// reads back otherwise (count, names, shapes, types) is not handed to the user (issue 19, defect 4).
/// </summary>
internal static class GgufReadBack
{
    /// <summary><paramref name="exactTypes"/> false for a quantizer's output, whose types llama.cpp chooses per tensor.</summary>
    public static void Check(string path, IReadOnlyList<(string Name, long[] Dims, GgmlType Type)> planned, string architecture, bool exactTypes)
    {
        GgufHeader header;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            header = GgufHeader.Read(fs, path);
        if (header.String("general.architecture") != architecture)
            throw Bad($"general.architecture is '{header.String("general.architecture")}', meant '{architecture}'");
        if (header.Tensors.Count != planned.Count)
            throw Bad($"{header.Tensors.Count} tensors, meant {planned.Count}");
        var written = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var (name, dims, type) in planned)
        {
            if (!written.TryGetValue(name, out var t)) throw Bad($"tensor '{name}' is missing");
            if (!t.Dims.SequenceEqual(dims))
                throw Bad($"tensor '{name}' has dims [{string.Join(",", t.Dims)}], meant [{string.Join(",", dims)}]");
            if (exactTypes && t.Type != type) throw Bad($"tensor '{name}' has type {t.Type}, meant {type}");
        }
    }

    // Not the user's doing: the converter or the quantizer wrote something else than was planned.
    static InvalidOperationException Bad(string why) => new($"the GGUF written reads back wrong: {why}");
}
