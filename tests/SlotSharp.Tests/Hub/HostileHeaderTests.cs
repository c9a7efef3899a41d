using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// Server-provided values that become paths (blob names from ETag/X-Linked-Etag, the commit from X-Repo-Commit)
/// are accepted only in the hash forms the Hub uses, so a hostile or broken endpoint cannot write outside the cache.
/// </summary>
public sealed class HostileHeaderTests : IAsyncLifetime
{
    FakeHub _hub = null!;
    readonly TempCache _outer = new(); // the cache is a subfolder: anything else appearing here escaped it

    string CacheDir => Path.Combine(_outer.Dir, "cache");

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync();
        _hub.Add(TinyModel.Repo());
    }

    public async Task DisposeAsync() { await _hub.DisposeAsync(); _outer.Dispose(); }

    SlotSharpException ResolveFails() => Assert.Throws<SlotSharpException>(() =>
        HubResolver.ResolveModel(TinyModel.Id, settings: _hub.Settings(CacheDir)));

    void AssertNothingOutsideTheCache(params string[] alsoAbsent)
    {
        Assert.Equal([CacheDir], Directory.EnumerateFileSystemEntries(_outer.Dir));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(CacheDir), e => Path.GetFileName(e).Contains("escaped"));
        foreach (var path in alsoAbsent)
        {
            Assert.False(File.Exists(path), path);
            Assert.False(File.Exists(path + ".lock"), path + ".lock");
            Assert.False(File.Exists(path + ".incomplete"), path + ".incomplete");
        }
    }

    [SkippableTheory]
    [InlineData("config.json", "ETag", "\"../../../escaped\"")]
    [InlineData("config.json", "ETag", "W/\"../../escaped\"")]
    [InlineData("config.json", "ETag", "\"8cadb740053fa59602f06e1b0f0f755bd4801a54/../../../escaped\"")]
    [InlineData("model.safetensors", "X-Linked-Etag", "\"../../../escaped\"")]
    [InlineData("model.safetensors", "X-Linked-Etag", "\"sub/escaped\"")]
    public void RelativeOrSlashedEtag_IsRefused_NothingWrittenOutside(string file, string header, string etag)
    {
        _hub.EtagHeader[file] = etag;

        var e = ResolveFails();

        Assert.Contains($"'{file}'", e.Message);
        Assert.Contains(header, e.Message);
        Assert.Contains(etag.Trim('"'), e.Message);
        AssertNothingOutsideTheCache();
    }

    [SkippableFact]
    public void AbsoluteEtag_IsRefused_NothingWrittenThere()
    {
        var target = Path.Combine(_outer.Dir, "escaped-absolute");
        _hub.EtagHeader["config.json"] = $"\"{target}\"";

        var e = ResolveFails();

        Assert.Contains("'config.json'", e.Message);
        Assert.Contains(target, e.Message);
        AssertNothingOutsideTheCache(target);
    }

    [SkippableFact]
    public void EtagThatIsNoHash_IsRefused()
    {
        _hub.EtagHeader["config.json"] = "\"abc\"";
        Assert.Contains("40", ResolveFails().Message);
    }

    [SkippableFact]
    public void RepoCommitHeaderThatIsNoHash_IsRefused()
    {
        _hub.RepoCommitHeader = "../../../escaped";

        var e = ResolveFails();

        Assert.Contains("X-Repo-Commit", e.Message);
        Assert.Contains("../../../escaped", e.Message);
        AssertNothingOutsideTheCache();
    }

    [SkippableFact]
    public void RefsFileThatIsNoHash_IsRefusedOffline()
    {
        var refs = Path.Combine(CacheDir, "models--acme--tiny-model", "refs");
        Directory.CreateDirectory(refs);
        File.WriteAllText(Path.Combine(refs, "main"), "../../../escaped");

        var e = Assert.Throws<SlotSharpException>(() =>
            HubResolver.ResolveModel(TinyModel.Id, settings: _hub.Settings(CacheDir, offline: true)));

        Assert.Contains(Path.Combine(refs, "main"), e.Message);
    }
}
