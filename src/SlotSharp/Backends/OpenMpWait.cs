using System.Collections.Concurrent;

namespace SlotSharp.Backends;

/// <summary>
/// How llama.cpp's CPU threads wait at the OpenMP barrier that follows every op of a graph (hundreds per token):
/// libgomp's wait policy. libgomp reads it once, when it loads, so it holds for the whole process
/// (docs/backends.md, "Threads and OpenMP").
/// </summary>
public enum OpenMpWait
{
    /// <summary>Sleep at once (OMP_WAIT_POLICY=PASSIVE, spin count 0): a waiting thread gives its core back; each barrier wakes it.</summary>
    Passive,
    /// <summary>Spin for minutes (OMP_WAIT_POLICY=ACTIVE): a waiting thread keeps its core, also between tokens.</summary>
    Active,
    /// <summary>libgomp's own default, what llama.cpp's tools get (neither variable set): spin 300,000 iterations, then sleep.</summary>
    SpinThenSleep,
}

/// <summary>The wait llama.cpp's (or libtorch's) OpenMP threads use, and why: what a user is told.</summary>
/// <param name="Wait">"passive", "active", "spin-then-sleep" or "GOMP_SPINCOUNT=N".</param>
/// <param name="Why">Who chose it: the option, the environment, SlotSharp's default, an earlier load.</param>
internal sealed record OpenMpWaitInForce(string Wait, string Why)
{
    public bool Is(OpenMpWait wait) => Wait == OpenMpWaits.Name(wait);
    public override string ToString() => $"{Wait} ({Why})";
}

/// <summary>Names, parsing and the environment's choice of <see cref="OpenMpWait"/>, shared by both backends.</summary>
internal static class OpenMpWaits
{
    /// <summary>libgomp's variables by which a user chooses the wait themselves; GOMP_SPINCOUNT wins over the policy.</summary>
    public const string PolicyVariable = "OMP_WAIT_POLICY", SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>What libgomp does when neither variable is set (<see cref="OpenMpWait.SpinThenSleep"/>).</summary>
    public const string LibgompDefault = "libgomp's default: spin 300000 iterations, then sleep";

    public static string Name(OpenMpWait wait) => wait switch
    {
        OpenMpWait.Active => "active",
        OpenMpWait.SpinThenSleep => "spin-then-sleep",
        _ => "passive",
    };

    /// <summary>
    /// The variables libgomp must see for <paramref name="wait"/>: a value to set, or null to unset (GOMP_SPINCOUNT
    /// would override the policy's spin count, so it is always unset).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Variables(OpenMpWait wait) => new Dictionary<string, string?>
    {
        [PolicyVariable] = wait switch { OpenMpWait.Active => "ACTIVE", OpenMpWait.SpinThenSleep => null, _ => "PASSIVE" },
        [SpinCountVariable] = null,
    };

    /// <summary>"passive", "active" or "spin-then-sleep", any case; the error names the accepted values (the caller names the setting).</summary>
    public static OpenMpWait Parse(string text) => text.Trim().ToUpperInvariant() switch
    {
        "PASSIVE" => OpenMpWait.Passive,
        "ACTIVE" => OpenMpWait.Active,
        "SPIN-THEN-SLEEP" => OpenMpWait.SpinThenSleep,
        _ => throw new SlotSharpException($"'{text}' is not an OpenMP wait: give passive, active or spin-then-sleep"),
    };

    /// <summary>
    /// The wait the user chose in the environment (what libgomp will read), or null when they chose none: GOMP_SPINCOUNT
    /// when set (libgomp lets it override the policy), else OMP_WAIT_POLICY.
    /// </summary>
    public static OpenMpWaitInForce? FromEnvironment(string? policy, string? spinCount)
    {
        if (!string.IsNullOrWhiteSpace(spinCount))
            return new($"{SpinCountVariable}={spinCount.Trim()}", $"{SpinCountVariable} in the environment");
        if (string.IsNullOrWhiteSpace(policy)) return null;
        return policy.Trim().ToUpperInvariant() switch
        {
            "PASSIVE" => new(Name(OpenMpWait.Passive), $"{PolicyVariable} in the environment"),
            "ACTIVE" => new(Name(OpenMpWait.Active), $"{PolicyVariable} in the environment"),
            _ => new(Name(OpenMpWait.SpinThenSleep), $"{LibgompDefault}; libgomp ignores {PolicyVariable}='{policy}' in the environment"),
        };
    }

    /// <summary>
    /// The libgomp copies SlotSharp itself loaded, by file name (libtorch ships libgomp-HASH.so.1, llama.cpp uses the
    /// system's libgomp.so.1), and the wait each started with. A backend that finds libgomp already loaded looks here
    /// to say which wait its threads inherit.
    /// </summary>
    static readonly ConcurrentDictionary<string, OpenMpWaitInForce> Started = new(StringComparer.Ordinal);

    public static void RecordStart(string libgompFileName, OpenMpWaitInForce wait) => Started[libgompFileName] = wait;

    public static OpenMpWaitInForce? StartedWith(string libgompFileName) => Started.GetValueOrDefault(libgompFileName);
}
