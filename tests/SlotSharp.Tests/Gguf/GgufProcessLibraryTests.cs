using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// A GGUF user pays for llama.cpp only: `slot generate` with SLOT on a GGUF file, in a child process whose dynamic
/// loader logs every library it initializes (LD_DEBUG=files), must run the prompt stage without libtorch, TorchSharp's
/// natives or TorchSharp's libgomp ever loading. The same log must show llama.cpp, so the check cannot pass vacuously.
/// </summary>
public sealed class GgufProcessLibraryTests : IClassFixture<ConvertedModels>, IDisposable
{
    readonly ConvertedModels _models;
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-ld-").FullName;

    public GgufProcessLibraryTests(ConvertedModels models) => _models = models;

    [SkippableFact]
    public void SlotOnAGgufFileLoadsNoTorchSharpLibrary()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the dynamic loader's log (LD_DEBUG) is glibc's");
        var model = _models.F32("tiny-qwen2");
        var env = new Dictionary<string, string> { ["LD_DEBUG"] = "files", ["LD_DEBUG_OUTPUT"] = Path.Combine(_dir, "ld") };
        var (code, stdout, stderr) = SlotProcess.Run(env, "generate", "--model", model, "--prompt-ids", "1,2,3,4,5,6", "--times", "2",
            "--max-new-tokens", "4", "--json");
        Assert.True(code == 0, $"slot generate failed ({code}): {stderr}");
        var losses = JsonNode.Parse(stdout)!["slot"]!["losses"]!.AsArray();
        Assert.True(losses.Count >= 2, "the SLOT prompt stage did not run");

        var initialized = Directory.GetFiles(_dir, "ld*").SelectMany(File.ReadLines)
            .Where(l => l.Contains("calling init:", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("calling init:", StringComparison.Ordinal) + "calling init:".Length)..].Trim())
            .ToList();
        Assert.Contains(initialized, path => Path.GetFileName(path).StartsWith("libllama", StringComparison.Ordinal));
        var torch = initialized.Where(path =>
        {
            var name = Path.GetFileName(path);
            return name.Contains("torch", StringComparison.OrdinalIgnoreCase) || name.StartsWith("libc10", StringComparison.Ordinal)
                || name.StartsWith("libgomp-", StringComparison.Ordinal); // TorchSharp's own copy carries a hash in its name
        }).ToList();
        Assert.True(torch.Count == 0, "TorchSharp libraries loaded on the GGUF path:\n" + string.Join("\n", torch));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
