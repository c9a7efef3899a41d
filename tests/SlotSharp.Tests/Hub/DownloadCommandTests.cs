using System.Diagnostics;
using System.Text.Json;

namespace SlotSharp.Tests.Hub;

/// <summary>`slot download` as a child process, so that its HF_* environment cannot leak into other tests.</summary>
public sealed class DownloadCommandTests
{
    static (int Code, string Out, string Err) RunSlot(Dictionary<string, string> env, params string[] args) => SlotProcess.Run(env, args);

    [SkippableFact]
    public async Task Download_PrintsSnapshotFolderAsJson_ThenWorksOffline()
    {
        await using var hub = await FakeHub.StartAsync();
        using var home = new TempCache();
        hub.Add(TinyModel.Repo());
        var env = new Dictionary<string, string> { ["HF_HOME"] = home.Dir, ["HF_ENDPOINT"] = hub.Endpoint };

        var (code, stdout, stderr) = RunSlot(env, "download", TinyModel.Id, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var expectedFolder = Path.Combine(home.Dir, "hub", "models--acme--tiny-model", "snapshots", TinyModel.Commit);
        Assert.Equal(expectedFolder, json.RootElement.GetProperty("path").GetString());
        Assert.Equal(TinyModel.Commit, json.RootElement.GetProperty("commit").GetString());

        env["HF_HUB_OFFLINE"] = "1";
        var offline = RunSlot(env, "download", TinyModel.Id);
        Assert.Equal(0, offline.Code);
        Assert.Equal(expectedFolder, offline.Out.Trim());
    }

    [SkippableFact]
    public async Task Download_GgufFile_FetchesThatQuantizationOnly()
    {
        await using var hub = await FakeHub.StartAsync();
        using var home = new TempCache();
        var repo = TinyModel.Repo();
        repo.Files["tiny-f16.gguf"] = new(System.Text.Encoding.ASCII.GetBytes("f16"), Lfs: true);
        repo.Files["tiny-q8_0.gguf"] = new(System.Text.Encoding.ASCII.GetBytes("q8_0"), Lfs: true);
        hub.Add(repo);
        var env = new Dictionary<string, string> { ["HF_HOME"] = home.Dir, ["HF_ENDPOINT"] = hub.Endpoint };

        var (code, stdout, stderr) = RunSlot(env, "download", TinyModel.Id, "--gguf-file", "tiny-f16.gguf");

        Assert.True(code == 0, stderr);
        Assert.Equal(["tiny-f16.gguf", "tokenizer.json"], Directory.EnumerateFiles(stdout.Trim()).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task Download_IntoACacheThatCannotBeWritten_NamesFolderAndVariable()
    {
        await using var hub = await FakeHub.StartAsync();
        using var home = new TempCache();
        hub.Add(TinyModel.Repo());
        var blocker = Path.Combine(home.Dir, "a-file"); // a file where HF_HOME's folder would be
        File.WriteAllText(blocker, "");
        var env = new Dictionary<string, string> { ["HF_HOME"] = blocker, ["HF_ENDPOINT"] = hub.Endpoint };

        var (code, stdout, stderr) = RunSlot(env, "download", TinyModel.Id);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: cannot write to the Hugging Face cache {Path.Combine(blocker, "hub")} (from HF_HOME)", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [SkippableFact]
    public void Download_NotCachedOffline_IsOneLineErrorWithExitCode2()
    {
        using var home = new TempCache();
        var env = new Dictionary<string, string> { ["HF_HOME"] = home.Dir, ["HF_HUB_OFFLINE"] = "1" };

        var (code, stdout, stderr) = RunSlot(env, "download", "openai/gsm8k", "--repo-type", "dataset");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: offline mode (HF_HUB_OFFLINE=1): dataset 'openai/gsm8k' at revision 'main'", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
