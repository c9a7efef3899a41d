using SlotSharp.Hub;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// A --model value shaped like a local path that does not exist is an error naming the path, not a Hub lookup
/// (issue 19, defect 7: `--model ./modles/x.gguf` was sent to the Hub as a repo id).
/// </summary>
public sealed class MistypedModelPathTests : IDisposable
{
    readonly string _cache = Directory.CreateTempSubdirectory("slotsharp-mistyped-").FullName;

    public void Dispose() => Directory.Delete(_cache, true);

    [SkippableTheory]
    [InlineData("./modles/x.gguf")]
    [InlineData("modles/x.gguf")]
    [InlineData("x.safetensors")]
    [InlineData("~/models/tiny")]
    [InlineData("models/qwen/tiny")]
    public void MistypedLocalPathIsOneLineNamingThePathAndExitCode2(string path)
    {
        var env = new Dictionary<string, string> { ["HF_HUB_CACHE"] = _cache, ["HF_HUB_OFFLINE"] = "1" };
        var (code, stdout, stderr) = SlotProcess.Run(env, "generate", "--model", path, "--prompt-ids", "1", "--times", "0", "--max-new-tokens", "1");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: model path '{path}' does not exist", line);
    }

    [SkippableTheory]
    [InlineData("Qwen/Qwen2.5-0.5B-Instruct", false)]
    [InlineData("gpt2", false)]
    [InlineData("TheBloke/Llama-2-7B-GGUF", false)]
    [InlineData("./tiny", true)]
    [InlineData("../tiny", true)]
    [InlineData("/abs/tiny", true)]
    [InlineData("a/b/c", true)]
    [InlineData("org/model.gguf", true)]
    [InlineData("model.SAFETENSORS", true)]
    public void OnlyPathShapedValuesAreTakenForPaths(string value, bool isPath) =>
        Assert.Equal(isPath, HubResolver.LooksLikeLocalPath(value));
}
