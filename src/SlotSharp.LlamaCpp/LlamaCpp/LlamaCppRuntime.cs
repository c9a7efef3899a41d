using LLama.Native;
using SlotSharp.Backends;

namespace SlotSharp.LlamaCpp;

/// <summary>
/// Loads llama.cpp (LLamaSharp's native backend) once per process. llama.cpp logs every tensor it loads; its
/// warnings and errors reach stderr only under <see cref="Verbose"/> (the CLI's --verbose), so the CLI's own output
/// stays readable. The load also fixes llama.cpp's OpenMP
/// wait for the process (<see cref="LlamaCppOpenMp"/>).
/// </summary>
internal static class LlamaCppRuntime
{
    static readonly Lock Gate = new();
    static bool _loaded;
    static OpenMpWaitInForce? _wait;
    static readonly HashSet<OpenMpWait> Warned = [];

    /// <summary>
    /// Whether llama.cpp's own warnings and errors reach stderr (the CLI's --verbose). Off by default: its load-time
    /// remarks about the model file ("control-looking token ... was not control-type") are not the user's to act on,
    /// and every failure that matters reaches the caller as an exception.
    /// </summary>
    public static bool Verbose { get; set; }

    /// <summary>What a llama.cpp log message prints (null: nothing): warnings and errors, prefixed, and only when verbose.</summary>
    internal static string? LineFor(LLamaLogLevel level, string message, bool verbose) =>
        // Pooling is switched off on purpose (per-position hidden states): its warning about that is noise even then.
        verbose && level is LLamaLogLevel.Warning or LLamaLogLevel.Error && !message.Contains("pooling_type", StringComparison.Ordinal)
            ? $"llama.cpp: {message}" : null;

    /// <summary>The OpenMP wait of llama.cpp's threads in this process; null until llama.cpp has loaded (or off Linux).</summary>
    public static OpenMpWaitInForce? Wait { get { lock (Gate) return _wait; } }

    /// <summary>
    /// Loads llama.cpp, its threads waiting as <paramref name="openMpWait"/> says (null: the environment's choice, else
    /// <see cref="LlamaCppOpenMp.Default"/>). A wait that cannot take effect (libgomp already loaded, by libtorch or by
    /// an earlier load with another wait) is reported once per value through <paramref name="warn"/> (null: stderr).
    /// </summary>
    public static void EnsureLoaded(OpenMpWait? openMpWait = null, Action<string>? warn = null)
    {
        lock (Gate)
        {
            if (!_loaded)
            {
                // An assertion that still fires inside ggml ends the process at once, without ggml first running gdb
                // for a backtrace (a minute or more); a user who set GGML_NO_BACKTRACE keeps their value.
                LlamaCppOpenMp.SetNativeDefault("GGML_NO_BACKTRACE", "1");
                if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
                    NativeLibraryConfig.All.WithLogCallback((level, message) =>
                    {
                        if (LineFor(level, message, Verbose) is { } line) Console.Error.Write(line);
                    });
                if (OperatingSystem.IsLinux())
                {
                    var loaded = LlamaCppOpenMp.LoadedLibgomp();
                    var plan = LlamaCppOpenMp.Plan(openMpWait,
                        LlamaCppOpenMp.GetNative(OpenMpWaits.PolicyVariable), LlamaCppOpenMp.GetNative(OpenMpWaits.SpinCountVariable),
                        loaded, loaded == null ? null : OpenMpWaits.StartedWith(loaded));
                    LlamaCppOpenMp.LoadUnder(plan, NativeApi.llama_empty_call);
                    // A build without OpenMP (or a GPU-only one) waits in ggml's own thread pool: nothing here applies.
                    _wait = loaded == null && LlamaCppOpenMp.LoadedLibgomp() == null
                        ? new OpenMpWaitInForce("not OpenMP", "llama.cpp's natives load no libgomp; ggml's own thread pool waits")
                        : plan.InForce;
                }
                else NativeApi.llama_empty_call();
                _loaded = true;
            }
            if (_wait != null && LlamaCppOpenMp.Conflict(openMpWait, _wait) is { } line && Warned.Add(openMpWait!.Value))
                (warn ?? Console.Error.WriteLine)(line);
        }
    }
}
