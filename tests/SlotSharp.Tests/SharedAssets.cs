namespace SlotSharp.Tests;

/// <summary>Locates ../shared (relative to the repository root) and skips tests cleanly where it is absent.</summary>
public static class SharedAssets
{
    public static readonly string? Root = FindShared();

    static string? FindShared()
    {
        var env = Environment.GetEnvironmentVariable("SLOTSHARP_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SlotSharp.slnx")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }
        return null;
    }

    /// <summary>Full path of a file or folder under shared/; skips the calling test when it is missing.</summary>
    public static string Require(params string[] parts)
    {
        Skip.If(Root == null, "../shared is not present next to the repository (set SLOTSHARP_SHARED to point at it)");
        var path = Path.Combine([Root!, .. parts]);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"shared asset '{path}' is missing");
        return path;
    }
}
