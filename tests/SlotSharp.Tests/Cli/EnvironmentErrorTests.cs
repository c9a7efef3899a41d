using SlotSharp.Cli.Commands;
using SlotSharp.Tests.Checkpoints;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// Ordinary user and environment errors are one line naming the path and the cause, exit code 2 (issue 19, defect 5:
/// a model folder without weights, an output path that is a folder, a refused write and a full disk printed
/// "internal error" with exit code 70).
/// </summary>
public sealed class EnvironmentErrorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-enverr-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string ModelWithoutWeights()
    {
        var folder = CheckpointCopy.Of(SharedAssets.Require("models", "tiny-qwen2"), Path.Combine(_dir, "model"));
        File.Delete(Path.Combine(folder, "model.safetensors"));
        return folder;
    }

    static string OneErrorLine(int code, string stdout, string stderr)
    {
        Assert.True(code == 2, $"exit code {code}, stderr: {stderr}");
        Assert.Equal("", stdout);
        return Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>convert reports its progress on stderr ("writing ..."); the error is the one line that starts "error:", the last.</summary>
    static string ErrorAfterProgress(int code, string stdout, string stderr)
    {
        Assert.True(code == 2, $"exit code {code}, stderr: {stderr}");
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("internal error", StringComparison.Ordinal));
        return lines[^1];
    }

    static (int Code, string Out, string Err) Convert(string model, string output, string type = "f32") =>
        SlotProcess.Run("convert", "--model", model, "--output", output, "--type", type);

    [SkippableFact]
    public void GenerateOnAModelFolderWithoutWeightsNamesTheFolder()
    {
        var folder = ModelWithoutWeights();
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", folder, "--prompt-ids", "1,2", "--times", "0", "--max-new-tokens", "1");
        Assert.Equal($"error: --model: model folder '{folder}' has no weights: no model.safetensors, model.safetensors.index.json or .gguf file",
            OneErrorLine(code, stdout, stderr));
    }

    [SkippableFact]
    public void ConvertOnAModelFolderWithoutWeightsNamesTheFolder()
    {
        var folder = ModelWithoutWeights();
        var (code, stdout, stderr) = Convert(folder, Path.Combine(_dir, "out.gguf"));
        Assert.StartsWith($"error: model folder '{folder}' has no weights", OneErrorLine(code, stdout, stderr));
        Assert.False(File.Exists(Path.Combine(_dir, "out.gguf")));
    }

    [SkippableFact]
    public void ConvertToAnOutputPathThatIsAFolderNamesIt()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var output = Directory.CreateDirectory(Path.Combine(_dir, "out.gguf")).FullName;
        var (code, stdout, stderr) = Convert(model, output);
        Assert.Equal($"error: --output '{output}' is a folder; give the GGUF file to write", OneErrorLine(code, stdout, stderr));
    }

    [SkippableFact]
    public void ConvertToAPathWhereWritingIsRefusedNamesThePath()
    {
        // /sys refuses new files even to root (where chmod 0555 on a folder would not stop a write).
        Skip.IfNot(OperatingSystem.IsLinux() && Directory.Exists("/sys/kernel"), "needs Linux's /sys");
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var (code, stdout, stderr) = Convert(model, "/sys/slotsharp-test.gguf");
        var line = ErrorAfterProgress(code, stdout, stderr);
        Assert.StartsWith("error: ", line);
        // The file or its temporary sibling (a hidden unique name beside it: '/sys/.slotsharp-test.gguf.partial.GUID.tmp').
        Assert.Matches(@"'/sys/\.?slotsharp-test\.gguf", line);
    }

    [SkippableFact]
    public void SaveDeltaToAPathThatIsAFolderNamesIt()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var output = Directory.CreateDirectory(Path.Combine(_dir, "delta.safetensors")).FullName;
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", model, "--prompt-ids", "1,2", "--times", "1",
            "--max-new-tokens", "1", "--dtype", "fp32", "--save-delta", output);
        Assert.True(code == 2, $"exit code {code}, stderr: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: Is a directory : '{output}'", line);
        Assert.NotNull(stdout);
    }

    // A full disk cannot be made without mounting a tiny file system (and GGUF files are written to a temporary
    // sibling first, so /dev/full cannot stand in): the one place that classifies errors is tested instead.
    [SkippableTheory]
    [InlineData(28, "No space left on device : '/data/out/results.json'")]
    [InlineData(30, "Read-only file system : '/data/out/results.json'")]
    [InlineData(122, "Disk quota exceeded : '/data/out/results.json'")]
    public void FullDiskAndReadOnlyFileSystemAreUserErrors(int errno, string message) =>
        Assert.True(CliErrors.IsUserError(new IOException(message, errno)));

    [SkippableFact]
    public void RefusedAccessToANamedPathIsAUserErrorButOtherIoErrorsAreNot()
    {
        Assert.True(CliErrors.IsUserError(new UnauthorizedAccessException("Access to the path '/data/out.gguf' is denied.")));
        Assert.False(CliErrors.IsUserError(new UnauthorizedAccessException("denied")));
        Assert.False(CliErrors.IsUserError(new IOException("Input/output error", 5)));
    }
}
