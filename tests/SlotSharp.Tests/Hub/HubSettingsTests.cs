using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

public sealed class HubSettingsTests
{
    static HubSettings From(params (string Name, string Value)[] vars) =>
        HubSettings.FromEnvironment(name => vars.FirstOrDefault(v => v.Name == name).Value);

    [SkippableFact]
    public void Defaults_AreHuggingFaceHubDefaults()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var s = From();
        Assert.Equal("https://huggingface.co", s.Endpoint);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), s.CacheDir);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "token"), s.TokenFile);
        Assert.False(s.Offline);
    }

    [SkippableFact]
    public void HfHome_MovesCacheAndTokenFile_HfHubCacheOverridesCacheOnly()
    {
        Assert.Equal("/data/hf/hub", From(("HF_HOME", "/data/hf")).CacheDir);
        Assert.Equal("/data/hf/token", From(("HF_HOME", "/data/hf")).TokenFile);
        var both = From(("HF_HOME", "/data/hf"), ("HF_HUB_CACHE", "/fast/hub"));
        Assert.Equal("/fast/hub", both.CacheDir);
        Assert.Equal("/data/hf/token", both.TokenFile);
    }

    [SkippableFact]
    public void Token_FromEnvironmentWinsOverTokenFile()
    {
        using var home = new TempCache();
        File.WriteAllText(Path.Combine(home.Dir, "token"), "hf_from_file\n");
        Assert.Equal("hf_from_file", From(("HF_HOME", home.Dir)).Token);
        Assert.Equal("hf_from_env", From(("HF_HOME", home.Dir), ("HF_TOKEN", "hf_from_env")).Token);
        Assert.Null(From(("HF_HOME", Path.Combine(home.Dir, "missing"))).Token);
    }

    [SkippableTheory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    public void Offline_AcceptsHuggingFaceHubSpellings(string value, bool offline) =>
        Assert.Equal(offline, From(("HF_HUB_OFFLINE", value)).Offline);

    [SkippableFact]
    public void Endpoint_LosesTrailingSlash() =>
        Assert.Equal("https://hf-mirror.com", From(("HF_ENDPOINT", "https://hf-mirror.com/")).Endpoint);

    [SkippableTheory]
    [InlineData("Qwen/Qwen2.5-0.5B-Instruct", HubRepoType.Model, "models--Qwen--Qwen2.5-0.5B-Instruct")]
    [InlineData("openai/gsm8k", HubRepoType.Dataset, "datasets--openai--gsm8k")]
    [InlineData("gpt2", HubRepoType.Model, "models--gpt2")]
    public void RepoFolderNames_MatchHuggingFaceHub(string id, HubRepoType type, string folder) =>
        Assert.Equal(folder, HubRepoId.Parse(id, type).CacheFolderName);

    [SkippableFact]
    public void RevisionWithSlash_IsStoredUnderNestedRefs()
    {
        var cache = new HubCacheRepo("/c", HubRepoId.Parse("a/b", HubRepoType.Model));
        Assert.Equal(Path.Combine("/c", "models--a--b", "refs", "refs", "pr", "1"), cache.RefPath("refs/pr/1"));
    }

    [SkippableFact]
    public void UnsafeRepoPaths_AreRefused()
    {
        var cache = new HubCacheRepo("/c", HubRepoId.Parse("a/b", HubRepoType.Model));
        Assert.Throws<SlotSharpException>(() => cache.SnapshotFile(new string('a', 40), "../../etc/passwd"));
        Assert.Throws<SlotSharpException>(() => cache.SnapshotFile(new string('a', 40), "/etc/passwd"));
    }
}
