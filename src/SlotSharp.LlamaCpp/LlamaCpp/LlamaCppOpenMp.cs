using System.Runtime.InteropServices;
using SlotSharp.Backends;

namespace SlotSharp.LlamaCpp;

/// <summary>What to set in the environment while llama.cpp loads, and the wait its threads will then use.</summary>
/// <param name="Environment">Variables to set (a value) or unset (null) while llama.cpp, and with it libgomp, loads;
/// empty leaves the environment alone.</param>
internal sealed record OpenMpLoadPlan(IReadOnlyDictionary<string, string?> Environment, OpenMpWaitInForce InForce);

/// <summary>
/// llama.cpp's OpenMP wait (<see cref="OpenMpWait"/>). LLamaSharp's Linux natives link the system's libgomp.so.1, which
/// reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, in its constructor, so the only way to choose is libc's setenv
/// before llama.cpp loads (.NET's Environment.SetEnvironmentVariable never reaches the native environment on Unix),
/// undone after. A libgomp already in the process decides instead: the dynamic linker hands llama.cpp that copy for its
/// "libgomp.so.1" (libtorch's bundled libgomp-HASH.so.1 has that SONAME), so its wait is whatever that copy started with.
/// </summary>
internal static partial class LlamaCppOpenMp
{
    /// <summary>
    /// The wait when neither the option nor the environment chooses. Measured (docs/backends.md, "Threads and OpenMP"):
    /// on 2 cores passive decoded at 17 to 35 tokens/s in every condition tried, while the spinning waits ranged from
    /// 0.8 tokens/s beside busy processes to 53 on a quiet machine; the bounded one is the default.
    /// </summary>
    public const OpenMpWait Default = OpenMpWait.Passive;

    /// <summary>
    /// Pure: the plan for loading llama.cpp. <paramref name="loadedLibgomp"/>: the file name of a libgomp already in the
    /// process (null: none), and <paramref name="loadedStartedWith"/> the wait SlotSharp recorded for it, if it loaded it.
    /// The option wins over the environment; the environment over <see cref="Default"/>; a loaded libgomp over all.
    /// </summary>
    public static OpenMpLoadPlan Plan(OpenMpWait? requested, string? userPolicy, string? userSpinCount,
        string? loadedLibgomp = null, OpenMpWaitInForce? loadedStartedWith = null)
    {
        var user = OpenMpWaits.FromEnvironment(userPolicy, userSpinCount);
        var none = new Dictionary<string, string?>();
        if (loadedLibgomp != null)
        {
            var started = loadedStartedWith ?? user ?? new OpenMpWaitInForce(OpenMpWaits.Name(OpenMpWait.SpinThenSleep),
                $"{OpenMpWaits.LibgompDefault}; no OpenMP variable in the environment");
            return new(none, new(started.Wait,
                $"{loadedLibgomp} was already loaded in this process and llama.cpp's threads share it; it started with {started.Why}"));
        }
        if (requested is { } r) return new(OpenMpWaits.Variables(r), new(OpenMpWaits.Name(r), "the llama.cpp OpenMP wait option"));
        if (user != null) return new(none, user);
        return new(OpenMpWaits.Variables(Default), new(OpenMpWaits.Name(Default), "SlotSharp's default for llama.cpp"));
    }

    /// <summary>One line for a requested wait that cannot take effect, or null when it is the one in force.</summary>
    public static string? Conflict(OpenMpWait? requested, OpenMpWaitInForce inForce) =>
        requested is { } r && !inForce.Is(r)
            ? $"warning: llama.cpp's OpenMP wait '{OpenMpWaits.Name(r)}' cannot take effect: its threads wait {inForce.Wait} ({inForce.Why}); libgomp reads its setting once per process"
            : null;

    /// <summary>
    /// Loads llama.cpp through <paramref name="load"/> under <paramref name="plan"/> (Linux; elsewhere it just loads),
    /// with the environment put back as it was afterwards.
    /// </summary>
    public static void LoadUnder(OpenMpLoadPlan plan, Action load) => WithNativeEnvironment(plan.Environment, load);

    /// <summary>Runs <paramref name="body"/> with the native environment changed (null = unset), then restores each variable.</summary>
    internal static void WithNativeEnvironment(IReadOnlyDictionary<string, string?> values, Action body)
    {
        if (values.Count == 0 || !OperatingSystem.IsLinux()) { body(); return; }
        var before = values.Keys.ToDictionary(k => k, GetNative);
        try
        {
            foreach (var (name, value) in values) SetNative(name, value);
            body();
        }
        finally
        {
            foreach (var (name, value) in before) SetNative(name, value);
        }
    }

    /// <summary>A variable as native code (libgomp) sees it.</summary>
    internal static string? GetNative(string name) =>
        OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(GetEnv(name)) : Environment.GetEnvironmentVariable(name);

    /// <summary>Sets <paramref name="name"/> in the native environment unless it is set already (the user's choice wins); kept for the process.</summary>
    internal static void SetNativeDefault(string name, string value)
    {
        if (OperatingSystem.IsLinux()) SetEnv(name, value, 0);
        else if (Environment.GetEnvironmentVariable(name) == null) Environment.SetEnvironmentVariable(name, value);
    }

    static void SetNative(string name, string? value)
    {
        if ((value == null ? UnsetEnv(name) : SetEnv(name, value, 1)) != 0)
            throw new InvalidOperationException($"could not {(value == null ? "unset" : "set")} {name} in the native environment");
    }

    /// <summary>The file name of a libgomp mapped into this process (Linux), or null.</summary>
    public static string? LoadedLibgomp()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { return LibgompIn(File.ReadLines("/proc/self/maps")); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Pure: the first libgomp file (libgomp.so.1, libgomp-HASH.so.1) in lines of /proc/PID/maps.</summary>
    internal static string? LibgompIn(IEnumerable<string> mapsLines)
    {
        foreach (var line in mapsLines)
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            var name = Path.GetFileName(line[slash..].Trim());
            if (name.StartsWith("libgomp", StringComparison.Ordinal) && name.Contains(".so", StringComparison.Ordinal)) return name;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}
