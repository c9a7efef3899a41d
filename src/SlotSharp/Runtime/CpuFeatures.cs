namespace SlotSharp.Runtime;

/// <summary>CPU capabilities read from /proc/cpuinfo (Linux); absent elsewhere.</summary>
internal static class CpuFeatures
{
    static readonly Lazy<HashSet<string>> Flags = new(ReadFlags);

    public static bool Has(string flag) => Flags.Value.Contains(flag);

    /// <summary>AMX-BF16 or AVX512-BF16: libtorch (oneDNN) then runs bf16 matmul in hardware.</summary>
    public static bool HasNativeBf16 => Has("amx_bf16") || Has("avx512_bf16");

    public static string ModelName => ReadField("model name") ?? "unknown CPU";

    static HashSet<string> ReadFlags()
    {
        var line = ReadField("flags");
        return line == null ? [] : [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }

    static string? ReadField(string name)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith(name, StringComparison.Ordinal) && line.IndexOf(':') is var i and > 0) return line[(i + 1)..].Trim();
        }
        catch (IOException) { }
        return null;
    }
}
