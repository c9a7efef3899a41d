using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

public sealed class HubModelDownloadTests : IAsyncLifetime
{
    FakeHub _hub = null!;
    readonly TempCache _cache = new();

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();
    public async Task DisposeAsync() { await _hub.DisposeAsync(); _cache.Dispose(); }

    string Resolve(string id = TinyModel.Id, string? revision = null, string? token = null, bool offline = false,
        IProgress<HubProgress>? progress = null) =>
        HubResolver.ResolveModel(id, revision, progress, _hub.Settings(_cache.Dir, token, offline));

    string RepoFolder => Path.Combine(_cache.Dir, "models--acme--tiny-model");

    [SkippableFact]
    public void FreshDownload_FetchesOnlyNeededFilesAndReturnsSnapshotFolder()
    {
        _hub.Add(TinyModel.Repo());
        var reports = new List<HubProgress>();
        var folder = Resolve(progress: new SyncProgress(reports));

        Assert.Equal(Path.Combine(RepoFolder, "snapshots", TinyModel.Commit), folder);
        Assert.Equal("{\"model_type\":\"qwen2\"}", File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Equal(TinyModel.Weights, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.DoesNotContain(_hub.Requests, r => r.Path.Contains("pytorch_model.bin") || r.Path.Contains("README"));
        Assert.False(File.Exists(Path.Combine(folder, "pytorch_model.bin")));
        Assert.Contains(reports, p => p.File == "model.safetensors" && p.Status == HubFileStatus.Completed
                                      && p.BytesDone == 320000 && p.BytesTotal == 320000);
    }

    [SkippableFact]
    public void CacheLayout_MatchesHuggingFaceHub()
    {
        _hub.Add(TinyModel.Repo());
        Resolve();

        // The layout documented at huggingface.co/docs/huggingface_hub/guides/manage-cache, hashes from git/sha256sum.
        string[] expected =
        [
            "blobs/" + TinyModel.ConfigGitSha1,
            "blobs/" + TinyModel.TokenizerGitSha1,
            "blobs/" + TinyModel.WeightsSha256,
            "refs/main",
            $"snapshots/{TinyModel.Commit}/config.json",
            $"snapshots/{TinyModel.Commit}/model.safetensors",
            $"snapshots/{TinyModel.Commit}/tokenizer.json",
        ];
        var actual = Directory.EnumerateFiles(RepoFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoFolder, f).Replace('\\', '/')).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual);
        Assert.Equal(TinyModel.Commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));

        var snapshot = Path.Combine(RepoFolder, "snapshots", TinyModel.Commit);
        Assert.Equal("../../blobs/" + TinyModel.ConfigGitSha1, new FileInfo(Path.Combine(snapshot, "config.json")).LinkTarget);
        Assert.Equal("../../blobs/" + TinyModel.WeightsSha256, new FileInfo(Path.Combine(snapshot, "model.safetensors")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(RepoFolder, "blobs", TinyModel.WeightsSha256)).LinkTarget);
        Assert.True(File.Exists(Path.Combine(_cache.Dir, ".locks", "models--acme--tiny-model", TinyModel.WeightsSha256 + ".lock")));
    }

    [SkippableFact]
    public void SecondResolve_ReusesCacheWithoutDownloading()
    {
        _hub.Add(TinyModel.Repo());
        Resolve();
        _hub.Requests.Clear();

        var reports = new List<HubProgress>();
        Resolve(progress: new SyncProgress(reports));

        // Like snapshot_download: one revision-info call, no HEAD and no file GET.
        Assert.Equal(["GET /api/models/acme/tiny-model/revision/main"], _hub.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.All(reports, p => Assert.Equal(HubFileStatus.Cached, p.Status));
    }

    [SkippableFact]
    public void FilesDownloadedByPython_AreReused()
    {
        _hub.Add(TinyModel.Repo());
        // What huggingface_hub leaves behind: refs/main, blobs and relative links, written here by hand.
        var snapshot = Path.Combine(RepoFolder, "snapshots", TinyModel.Commit);
        Directory.CreateDirectory(Path.Combine(RepoFolder, "blobs"));
        Directory.CreateDirectory(snapshot);
        foreach (var (name, etag, bytes) in new[]
                 {
                     ("config.json", TinyModel.ConfigGitSha1, "{\"model_type\":\"qwen2\"}"u8.ToArray()),
                     ("tokenizer.json", TinyModel.TokenizerGitSha1, "{\"version\":\"1.0\"}"u8.ToArray()),
                     ("model.safetensors", TinyModel.WeightsSha256, TinyModel.Weights),
                 })
        {
            File.WriteAllBytes(Path.Combine(RepoFolder, "blobs", etag), bytes);
            File.CreateSymbolicLink(Path.Combine(snapshot, name), "../../blobs/" + etag);
        }

        Assert.Equal(snapshot, Resolve());
        Assert.Empty(_hub.Downloads);
    }

    [SkippableFact]
    public void DanglingSnapshotLink_IsDownloadedAgain()
    {
        _hub.Add(TinyModel.Repo());
        var folder = Resolve();
        // Someone deleted the blob (e.g. a partial cache clean-up); the link under snapshots/ is left dangling.
        File.Delete(Path.Combine(RepoFolder, "blobs", TinyModel.WeightsSha256));
        _hub.Requests.Clear();

        Assert.Equal(folder, Resolve());

        Assert.Equal(TinyModel.Weights, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Single(_hub.Downloads, r => r.Path == "/lfs/" + TinyModel.WeightsSha256);
    }

    [SkippableFact]
    public void Offline_ResolvesFromRefsWithoutNetwork_AndNamesRepoWhenNotCached()
    {
        _hub.Add(TinyModel.Repo());
        var online = Resolve();
        _hub.Requests.Clear();

        Assert.Equal(online, Resolve(offline: true));
        Assert.Equal(online, Resolve(revision: TinyModel.Commit, offline: true));
        Assert.Empty(_hub.Requests);

        var e = Assert.Throws<SlotSharpException>(() => Resolve(id: "acme/never-downloaded", revision: "v2", offline: true));
        Assert.Contains("acme/never-downloaded", e.Message);
        Assert.Contains("'v2'", e.Message);
        Assert.Contains("HF_HUB_OFFLINE", e.Message);
    }

    [SkippableFact]
    public void Offline_PartialSnapshotWithoutWeights_SaysItIsIncomplete()
    {
        var snapshot = Path.Combine(RepoFolder, "snapshots", TinyModel.Commit);
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, "config.json"), "{}");
        Directory.CreateDirectory(Path.Combine(RepoFolder, "refs"));
        File.WriteAllText(Path.Combine(RepoFolder, "refs", "main"), TinyModel.Commit);

        var e = Assert.Throws<SlotSharpException>(() => Resolve(offline: true));
        Assert.Contains("incomplete", e.Message);
        Assert.Contains("model.safetensors", e.Message);
        Assert.Empty(_hub.Requests);
    }

    [SkippableFact]
    public void UnreachableHub_FallsBackToCachedSnapshot()
    {
        _hub.Add(TinyModel.Repo());
        var online = Resolve();
        var dead = _hub.Settings(_cache.Dir) with { Endpoint = "http://127.0.0.1:9" }; // discard port: refused
        Assert.Equal(online, HubResolver.ResolveModel(TinyModel.Id, null, null, dead));
    }

    [SkippableFact]
    public void InterruptedDownload_ResumesWithRangeAndVerifies()
    {
        _hub.Add(TinyModel.Repo());
        _hub.CutOnce["model.safetensors"] = true;

        var folder = Resolve();

        Assert.Equal(TinyModel.Weights, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        var lfs = _hub.Downloads.Where(r => r.Path == "/lfs/" + TinyModel.WeightsSha256).ToList();
        Assert.Equal(2, lfs.Count);
        Assert.Null(lfs[0].Range);
        // The server sent half of 320000 bytes before cutting; the client resumes from what actually arrived
        // (all of it, or less when the cut loses bytes still in flight).
        Assert.Matches("^bytes=[0-9]+-$", lfs[1].Range);
        long start = long.Parse(lfs[1].Range!["bytes=".Length..^1]);
        Assert.InRange(start, 1, 160000);
    }

    [SkippableFact]
    public void PartialBlobFromEarlierRun_IsResumedNotRestarted()
    {
        _hub.Add(TinyModel.Repo());
        var blobs = Path.Combine(RepoFolder, "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, TinyModel.WeightsSha256 + ".incomplete"), TinyModel.Weights[..100000]);

        var folder = Resolve();

        Assert.Equal(TinyModel.Weights, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(["bytes=100000-"], _hub.Downloads.Where(r => r.Path.StartsWith("/lfs/", StringComparison.Ordinal)).Select(r => r.Range));
        Assert.False(File.Exists(Path.Combine(blobs, TinyModel.WeightsSha256 + ".incomplete")));
    }

    [SkippableFact]
    public void Sha256Mismatch_IsRejectedAndNothingLandsInSnapshot()
    {
        _hub.Add(TinyModel.Repo());
        _hub.Corrupt.Add("model.safetensors");

        var e = Assert.Throws<SlotSharpException>(() => Resolve());

        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("sha256", e.Message);
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", TinyModel.Commit, "model.safetensors")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(RepoFolder, "blobs"), TinyModel.WeightsSha256 + "*"));
    }

    [SkippableFact]
    public void GatedRepo_401_ExplainsTokenAndNamesRepo()
    {
        _hub.Add(TinyModel.Repo("acme/gated", gated: true));

        var e = Assert.Throws<SlotSharpException>(() => Resolve(id: "acme/gated"));
        Assert.Contains("acme/gated", e.Message);
        Assert.Contains("401", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.Contains("huggingface-cli login", e.Message);

        // With the right token the same repo downloads, and the token went only to the Hub endpoint's host.
        var folder = Resolve(id: "acme/gated", token: _hub.AcceptedToken);
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.Contains(_hub.Requests, r => r.Authorization == "Bearer " + _hub.AcceptedToken);
    }

    [SkippableFact]
    public void MissingRepoRevisionOrFile_404_NamesThem()
    {
        var missingRepo = Assert.Throws<SlotSharpException>(() => Resolve(id: "acme/nope"));
        Assert.Contains("acme/nope", missingRepo.Message);
        Assert.Contains("'main'", missingRepo.Message);
        Assert.Contains("404", missingRepo.Message);

        _hub.Add(TinyModel.Repo());
        var missingRevision = Assert.Throws<SlotSharpException>(() => Resolve(revision: "v9"));
        Assert.Contains("'v9'", missingRevision.Message);
        Assert.Contains(TinyModel.Id, missingRevision.Message);

        var broken = _hub.Add(TinyModel.Repo("acme/broken"));
        broken.Files.Remove("tokenizer.json");
        broken.ListedButMissing.Add("tokenizer.json"); // listed by the API but 404 on /resolve/
        var missingFile = Assert.Throws<SlotSharpException>(() => Resolve(id: "acme/broken"));
        Assert.Contains("'tokenizer.json'", missingFile.Message);
        Assert.Contains("acme/broken", missingFile.Message);
    }

    [SkippableFact]
    public void ShardedModel_DownloadsIndexThenNamedShards()
    {
        var repo = _hub.Add(TinyModel.Repo("acme/sharded"));
        repo.Files.Remove("model.safetensors");
        repo.Files["model.safetensors.index.json"] = new(
            """{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}"""u8.ToArray(), Lfs: false);
        repo.Files["model-00001-of-00002.safetensors"] = new("shard one"u8.ToArray(), Lfs: true);
        repo.Files["model-00002-of-00002.safetensors"] = new("shard two"u8.ToArray(), Lfs: true);

        var folder = Resolve(id: "acme/sharded");

        Assert.Equal("shard one", File.ReadAllText(Path.Combine(folder, "model-00001-of-00002.safetensors")));
        Assert.Equal("shard two", File.ReadAllText(Path.Combine(folder, "model-00002-of-00002.safetensors")));
        Assert.Equal(2, _hub.Downloads.Count(r => r.Path.StartsWith("/lfs/", StringComparison.Ordinal)));
    }

    [SkippableTheory]
    [InlineData("HF_HUB_CACHE", "")]
    [InlineData("HF_HOME", "hub")]
    public void CacheThatCannotBeWritten_NamesTheFolderAndTheVariable(string variable, string subfolder)
    {
        _hub.Add(TinyModel.Repo());
        // A regular file where the cache folder would be: unwritable for root too, unlike permission bits.
        var blocker = Path.Combine(_cache.Dir, "not-a-folder");
        File.WriteAllText(blocker, "");
        var value = Path.Combine(blocker, "hf");
        var settings = HubSettings.FromEnvironment(name =>
            name == variable ? value : name == "HF_ENDPOINT" ? _hub.Endpoint : null);

        var e = Assert.Throws<SlotSharpException>(() => HubResolver.ResolveModel(TinyModel.Id, settings: settings));

        Assert.Contains(Path.Combine(value, subfolder), e.Message);
        Assert.Contains(variable, e.Message);
    }

    [SkippableFact]
    public void LocksFolderThatCannotBeCreated_IsAnErrorNamingTheCache()
    {
        _hub.Add(TinyModel.Repo());
        File.WriteAllText(Path.Combine(_cache.Dir, ".locks"), ""); // a file where .locks/ must go

        var e = Assert.Throws<SlotSharpException>(() => Resolve());

        Assert.Contains($"cannot write to the Hugging Face cache {_cache.Dir}", e.Message);
    }

    [SkippableFact]
    public void ExistingLocalFolder_PassesThroughWithoutNetwork()
    {
        Assert.Equal(_cache.Dir, Resolve(id: _cache.Dir));
        Assert.Empty(_hub.Requests);
    }

    [SkippableFact]
    public void NeitherFolderNorRepoId_IsAUserError()
    {
        var e = Assert.Throws<SlotSharpException>(() => Resolve(id: "not a/valid/id"));
        Assert.Contains("'not a/valid/id'", e.Message);
    }
}
