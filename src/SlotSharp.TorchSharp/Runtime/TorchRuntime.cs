using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace SlotSharp.Runtime;

/// <summary>
/// Makes TorchSharp's native backend loadable before anything touches <c>torch</c>.
/// TorchSharp-cpu 0.107's libLibTorchSharp.so names GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol it
/// never calls. On older distributions (Debian 12, Ubuntu 22.04) the loader refuses the whole library.
/// We mark that one requirement weak in the copy that sits next to our assemblies (never in the NuGet cache),
/// which is idempotent and a no-op where the system libstdc++ is new enough. It also starts libtorch's OpenMP with
/// sleeping idle threads (<see cref="OpenMpWaitPolicy"/>).
/// </summary>
internal static class TorchRuntime
{
    const string NeededVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static bool _done;

#pragma warning disable CA2255 // a module initializer is exactly right here: it must run before TorchSharp's static constructor
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => EnsureLoadable();

    /// <summary>Patch (if needed) the native library next to the application. Safe to call many times.</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            if (!OperatingSystem.IsLinux()) return;
            // First: a read-only install's preload below loads libtorch, and with it libgomp.
            OpenMpWaitPolicy.Apply(CandidateDirs().SelectMany(d => new[] { Path.Combine(d, "runtimes", "linux-x64", "native"), d }));
            foreach (var path in CandidatePaths())
            {
                if (!File.Exists(path)) continue;
                try { PatchInPlace(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    PreloadPatchedCopy(path, e);
                }
            }
        }
    }

    /// <summary>Threads for intra-op parallelism; 0 leaves libtorch's default (bounded by <see cref="ComputeOptions.MaxThreads"/>).</summary>
    public static void SetThreads(int threads)
    {
        if (ComputeOptions.CheckThreads(threads) > 0) torch.set_num_threads(threads);
    }

    /// <summary>The application's folder and TorchSharp's (they differ when TorchSharp is loaded from elsewhere).</summary>
    static HashSet<string> CandidateDirs()
    {
        var dirs = new HashSet<string> { AppContext.BaseDirectory };
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir)) dirs.Add(torchDir);
        return dirs;
    }

    static IEnumerable<string> CandidatePaths()
    {
        foreach (var dir in CandidateDirs())
        {
            yield return Path.Combine(dir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            yield return Path.Combine(dir, "libLibTorchSharp.so");
            yield return Path.Combine(dir, "cpu", "libLibTorchSharp.so");
        }
    }

    static void PatchInPlace(string path)
    {
        var image = File.ReadAllBytes(path);
        if (ElfVersionPatcher.MarkWeak(image, NeededVersion) != ElfVersionPatcher.Result.Patched) return;
        // Write beside, then rename: a concurrent process never sees a half-written library.
        var tmp = path + ".slotsharp-" + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, image);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Read-only install: write a patched copy to a user cache folder and load it first. The dependencies
    /// (libtorch*.so) are loaded from the original folder by full path so the copy's DT_NEEDED entries resolve;
    /// TorchSharp's later load of "LibTorchSharp" then finds the already-loaded object by its soname.
    /// </summary>
    static void PreloadPatchedCopy(string path, Exception cause)
    {
        var image = File.ReadAllBytes(path);
        if (ElfVersionPatcher.MarkWeak(image, NeededVersion) != ElfVersionPatcher.Result.Patched) return;
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "slotsharp", "native");
        Directory.CreateDirectory(cache);
        var copy = Path.Combine(cache, "libLibTorchSharp.so");
        var tmp = copy + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, image);
        File.Move(tmp, copy, overwrite: true);
        var dir = Path.GetDirectoryName(path)!;
        foreach (var dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var depPath = Path.Combine(dir, dep);
            if (File.Exists(depPath)) NativeLibrary.TryLoad(depPath, out _);
        }
        if (!NativeLibrary.TryLoad(copy, out _))
            throw new InvalidOperationException($"could not patch '{path}' ({cause.Message}) nor load a patched copy from '{copy}'", cause);
    }
}
