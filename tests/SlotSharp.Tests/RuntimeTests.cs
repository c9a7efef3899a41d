using System.Reflection;
using SlotSharp.Runtime;
using TorchSharp;

namespace SlotSharp.Tests;

public class RuntimeTests
{
    [SkippableFact]
    public void TorchSharpLoadsAndRunsATensorOp()
    {
        TorchRuntime.EnsureLoadable();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }

    /// <summary>
    /// The package's own copy of the library (the one next to the test assembly is already patched), found in the
    /// package folder this build restored into (NUGET_PACKAGES or the default; recorded by the test project).
    /// </summary>
    static string PackagedLibTorchSharp()
    {
        var root = typeof(RuntimeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value;
        Assert.False(string.IsNullOrEmpty(root), "the test project did not record NuGetPackageRoot");
        var version = typeof(torch).Assembly.GetName().Version!;
        return Path.Combine(root!, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}",
            "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    [SkippableFact]
    public void PatcherMarksGlibcxxRequirementWeakOnTheRealLibrary()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture
            == System.Runtime.InteropServices.Architecture.X64, "the patched library is the linux-x64 one");
        var image = File.ReadAllBytes(PackagedLibTorchSharp()); // restored with every build: never skipped
        Assert.Equal(ElfVersionPatcher.Result.Patched, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_3.4.32"));
        Assert.Equal(ElfVersionPatcher.Result.AlreadyWeak, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_3.4.32"));
        Assert.Equal(ElfVersionPatcher.Result.NotRequired, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_9.9.99"));
    }

    [SkippableFact]
    public void PatcherRejectsNonElf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(new byte[100], "X"));
    }
}
