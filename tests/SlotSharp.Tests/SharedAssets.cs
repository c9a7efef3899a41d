namespace SlotSharp.Tests;

/// <summary>
/// Locates ../shared (relative to the repository root) and skips tests cleanly where it is absent, unless
/// SLOTSHARP_REQUIRE_SHARED=1 (set by .ci/run): then a missing asset fails the test, so CI cannot pass by skipping.
/// </summary>
public static class SharedAssets
{
    public const string RequireVariable = "SLOTSHARP_REQUIRE_SHARED";

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

    /// <summary>Full path of a file or folder under shared/; skips the calling test when it is missing (fails under CI).</summary>
    public static string Require(params string[] parts)
    {
        if (Root == null) Missing("../shared is not present next to the repository (set SLOTSHARP_SHARED to point at it)");
        var path = Path.Combine([Root!, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path)) Missing($"shared asset '{path}' is missing");
        return path;
    }

    static void Missing(string reason) => Missing(reason, Environment.GetEnvironmentVariable(RequireVariable));

    /// <summary>Skips, or throws when <paramref name="requireSetting"/> is "1" (the value of SLOTSHARP_REQUIRE_SHARED).</summary>
    public static void Missing(string reason, string? requireSetting)
    {
        if (requireSetting == "1") throw new InvalidOperationException($"{reason}; {RequireVariable}=1 makes this a failure");
        Skip.If(true, reason);
    }
}
