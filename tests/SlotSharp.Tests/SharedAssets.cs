namespace SlotSharp.Tests;

/// <summary>
/// Locates ../shared (relative to the repository root) and skips tests cleanly where it is absent, unless
/// SLOTSHARP_REQUIRE_SHARED=1 (set by .ci/run): then a missing asset fails the test, so CI cannot pass by skipping.
/// </summary>
/// <remarks>
/// A skip only counts as a skip in a [SkippableFact]/[SkippableTheory]; in a plain [Fact]/[Theory] xunit reports the
/// <see cref="SkipException"/> as a failure. ConventionTests keeps every test in this assembly skippable.
/// </remarks>
public static class SharedAssets
{
    public const string RequireVariable = "SLOTSHARP_REQUIRE_SHARED";
    public const string LocationVariable = "SLOTSHARP_SHARED";

    /// <summary>Where shared/ was looked for: SLOTSHARP_SHARED, else ../shared beside the repository root.</summary>
    public static readonly string? Expected = ExpectedLocation();

    /// <summary><see cref="Expected"/> when it exists; null otherwise (asset tests skip).</summary>
    public static readonly string? Root = Expected != null && Directory.Exists(Expected) ? Expected : null;

    static string? ExpectedLocation()
    {
        var env = Environment.GetEnvironmentVariable(LocationVariable);
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SlotSharp.slnx")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        }
        return null;
    }

    /// <summary>
    /// The one line said once when shared/ is absent (by SharedAssetsTests.SharedFolderIsPresent in the test results,
    /// and by the test project's SaySharedAssetsAreAbsent target on the console), so each skip's own reason stays short.
    /// </summary>
    public static string AbsentNotice(string? expected) =>
        $"shared test assets not found at {expected ?? "../shared (no SlotSharp.slnx above the test binaries)"}; " +
        $"the tests that need them are skipped (set {LocationVariable} to their folder)";

    /// <summary>Full path of a file or folder under shared/; skips the calling test when it is missing (fails under CI).</summary>
    public static string Require(params string[] parts)
    {
        var relative = string.Join('/', parts);
        if (Root == null) Missing($"needs shared/{relative}; shared/ is absent");
        var path = Path.Combine([Root!, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path)) Missing($"shared/{relative} is missing");
        return path;
    }

    /// <summary>Skips with <see cref="AbsentNotice"/> when shared/ is absent (fails under CI).</summary>
    public static void RequireRoot()
    {
        if (Root == null) Missing(AbsentNotice(Expected));
    }

    static void Missing(string reason) => Missing(reason, Environment.GetEnvironmentVariable(RequireVariable));

    /// <summary>Skips, or throws when <paramref name="requireSetting"/> is "1" (the value of SLOTSHARP_REQUIRE_SHARED).</summary>
    public static void Missing(string reason, string? requireSetting)
    {
        if (requireSetting == "1") throw new InvalidOperationException($"{reason}; {RequireVariable}=1 makes this a failure");
        Skip.If(true, reason);
    }
}
