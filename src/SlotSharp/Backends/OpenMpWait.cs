using System.Collections.Concurrent;

namespace SlotSharp.Backends;

/// <summary>
/// How llama.cpp's CPU threads wait at the OpenMP barrier that follows every op of a graph (hundreds per token):
/// libgomp's <c>OMP_WAIT_POLICY</c>. libgomp reads it once, when it loads, so it holds for the whole process
/// (docs/backends.md, "Threads and OpenMP").
/// </summary>
public enum OpenMpWait
{
    /// <summary>A waiting thread sleeps at once (spin count 0) and gives its core back; each barrier wakes it (a futex).</summary>
    Passive,
    /// <summary>A waiting thread spins (for minutes) and keeps its core: quickest on cores nobody else needs.</summary>
    Active,
}

/// <summary>The wait llama.cpp's (or libtorch's) OpenMP threads use, and why: what a user is told.</summary>
/// <param name="Wait">"passive", "active", "libgomp's default (spin 300000, then sleep)" or "GOMP_SPINCOUNT=N".</param>
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

    /// <summary>What libgomp does when neither variable is set.</summary>
    public const string LibgompDefault = "libgomp's default (spin 300000 iterations, then sleep)";

    public static string Name(OpenMpWait wait) => wait == OpenMpWait.Active ? "active" : "passive";

    /// <summary>The value libgomp reads (it ignores case).</summary>
    public static string Variable(OpenMpWait wait) => wait == OpenMpWait.Active ? "ACTIVE" : "PASSIVE";

    /// <summary>"passive" or "active", any case; the error names the accepted values (the caller names the setting).</summary>
    public static OpenMpWait Parse(string text) => text.Trim().ToUpperInvariant() switch
    {
        "PASSIVE" => OpenMpWait.Passive,
        "ACTIVE" => OpenMpWait.Active,
        _ => throw new SlotSharpException($"'{text}' is not an OpenMP wait policy: give passive or active"),
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
        var wait = policy.Trim().ToUpperInvariant() switch
        {
            "PASSIVE" => Name(OpenMpWait.Passive),
            "ACTIVE" => Name(OpenMpWait.Active),
            _ => $"{LibgompDefault}: libgomp ignores {PolicyVariable}='{policy}'",
        };
        return new(wait, $"{PolicyVariable} in the environment");
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
