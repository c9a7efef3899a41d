using System.Runtime.InteropServices;
using SlotSharp.Backends;

namespace SlotSharp.Runtime;

/// <summary>
/// Starts libtorch's OpenMP runtime with idle threads that sleep instead of spin. libtorch runs its intra-op threads
/// (its own kernels and MKL's) on the libgomp copy it ships, whose default keeps a waiting thread spinning for about
/// 300,000 iterations. When the machine's cores are shared with other processes, every parallel region (about 150
/// per decoded token: each weight product, the attention products, the softmax) then waits for a spinning,
/// descheduled partner: measured on 2 shared cores, one 4 MB product went from 0.16 ms to 4 ms and decoding with 2
/// threads ran slower than with 1 (docs/benchmarks.md). OMP_WAIT_POLICY=PASSIVE (spin count 0) removes that.
/// A user who sets OMP_WAIT_POLICY or GOMP_SPINCOUNT keeps their choice (e.g. GOMP_SPINCOUNT=300000 for libgomp's
/// default on a dedicated machine). The variable is set only while torch's libgomp loads, but that copy's SONAME is
/// libgomp.so.1: a llama.cpp loaded later in the same process gets this very copy from the dynamic linker instead of
/// the system's, so its threads wait as libtorch's do (passive, unless the user chose). Only a llama.cpp loaded
/// before libtorch gets its own libgomp and its own wait (LlamaCppOptions.OpenMpWait; docs/backends.md, "Threads
/// and OpenMP"). What this copy started with is recorded so that llama.cpp can say so.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>The policy torch's OpenMP starts with when the user chose none.</summary>
    public const string Default = "PASSIVE";

    /// <summary>The variables by which a user chooses the policy themselves.</summary>
    public static readonly string[] UserVariables = [OpenMpWaits.PolicyVariable, OpenMpWaits.SpinCountVariable];

    /// <summary>Loads the first libgomp*.so* found in <paramref name="nativeDirs"/> with OMP_WAIT_POLICY set (Linux only).</summary>
    internal static void Apply(IEnumerable<string> nativeDirs)
    {
        var libgomp = nativeDirs.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "libgomp*.so*")).FirstOrDefault();
        if (libgomp is null) return;
        var name = Path.GetFileName(libgomp);
        var user = OpenMpWaits.FromEnvironment(Environment.GetEnvironmentVariable(OpenMpWaits.PolicyVariable),
            Environment.GetEnvironmentVariable(OpenMpWaits.SpinCountVariable));
        if (user != null)
        {
            OpenMpWaits.RecordStart(name, user with { Why = $"{user.Why}, as libtorch's OpenMP does" });
            return;
        }
        // libgomp reads its environment once, in its constructor; .NET's Environment.SetEnvironmentVariable never
        // reaches the native environment on Unix, so libc's setenv it is.
        if (SetEnv(UserVariables[0], Default, 1) != 0) return;
        try
        {
            if (NativeLibrary.TryLoad(libgomp, out _))
                OpenMpWaits.RecordStart(name, new(OpenMpWaits.Name(OpenMpWait.Passive), "SlotSharp's setting for libtorch's OpenMP"));
        }
        finally { UnsetEnv(UserVariables[0]); }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}
