using SlotSharp.Runtime;
using TorchSharp;

namespace SlotSharp.Tests;

public class RuntimeTests
{
    [Fact]
    public void TorchSharpLoadsAndRunsATensorOp()
    {
        TorchRuntime.EnsureLoadable();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }

    [SkippableFact]
    public void PatcherMarksGlibcxxRequirementWeakOnTheRealLibrary()
    {
        var pkg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(pkg), $"{pkg} not in the NuGet cache");
        var image = File.ReadAllBytes(pkg);
        Assert.Equal(ElfVersionPatcher.Result.Patched, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_3.4.32"));
        Assert.Equal(ElfVersionPatcher.Result.AlreadyWeak, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_3.4.32"));
        Assert.Equal(ElfVersionPatcher.Result.NotRequired, ElfVersionPatcher.MarkWeak(image, "GLIBCXX_9.9.99"));
    }

    [Fact]
    public void PatcherRejectsNonElf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(new byte[100], "X"));
    }
}
