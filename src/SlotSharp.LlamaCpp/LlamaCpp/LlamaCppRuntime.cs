using LLama.Native;

namespace SlotSharp.LlamaCpp;

/// <summary>
/// Loads llama.cpp (LLamaSharp's native backend) once per process. llama.cpp logs every tensor it loads; only its
/// warnings and errors reach stderr, so the CLI's own output stays readable.
/// </summary>
internal static class LlamaCppRuntime
{
    static readonly Lock Gate = new();
    static bool _loaded;

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
                NativeLibraryConfig.All.WithLogCallback((level, message) =>
                {
                    // Pooling is switched off on purpose (per-position hidden states): its warning about that is noise.
                    if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error && !message.Contains("pooling_type", StringComparison.Ordinal))
                        Console.Error.Write($"llama.cpp: {message}");
                });
            NativeApi.llama_empty_call();
            _loaded = true;
        }
    }
}
