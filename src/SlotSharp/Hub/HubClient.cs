namespace SlotSharp.Hub;

/// <summary>
/// Resolves repositories to cached snapshots and fills them with files, following huggingface_hub's
/// snapshot_download: one revision-info call pins the commit, files already linked under
/// snapshots/{commit}/ cost no request at all, missing ones are HEAD-ed and downloaded concurrently.
/// </summary>
internal sealed class HubClient(HubSettings settings) : IDisposable
{
    const int MaxConcurrentDownloads = 8; // huggingface_hub's default max_workers
    readonly HubHttp _http = new(settings);

    public HubSettings Settings { get; } = settings;

    public HubCacheRepo Cache(HubRepoId repo) => new(Settings.CacheDir, repo);

    /// <summary>Pins a revision (default "main") to a commit; offline or unreachable Hub -> the cached snapshot.</summary>
    public async Task<HubSnapshot> OpenAsync(HubRepoId repo, string? revision, CancellationToken ct = default)
    {
        revision ??= "main";
        var cache = Cache(repo);
        if (Settings.Offline)
            return FromCache(cache, revision) ?? throw HubErrors.NotCachedOffline(repo, revision, Settings);
        try
        {
            var (commit, files) = await _http.GetRevisionInfoAsync(repo, revision, ct);
            WritingCache(() => cache.WriteRef(revision, commit));
            return new HubSnapshot(repo, revision, commit, cache.SnapshotFolder(commit), files, FromCacheOnly: false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Like huggingface_hub: no connection is not fatal when the revision was downloaded before.
            return FromCache(cache, revision) ?? throw HubErrors.Unreachable(repo, revision, Settings, e);
        }
    }

    static HubSnapshot? FromCache(HubCacheRepo cache, string revision)
    {
        var commit = cache.CachedCommit(revision);
        if (commit == null || !Directory.Exists(cache.SnapshotFolder(commit))) return null;
        return new HubSnapshot(cache.Repo, revision, commit, cache.SnapshotFolder(commit),
            cache.ListSnapshotFiles(commit), FromCacheOnly: true);
    }

    /// <summary>Makes each path exist under the snapshot folder, downloading what is missing (8 at a time).</summary>
    public async Task EnsureFilesAsync(HubSnapshot snapshot, IReadOnlyCollection<string> paths,
        IProgress<HubProgress>? progress, CancellationToken ct = default)
    {
        var cache = Cache(snapshot.Repo);
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentDownloads, CancellationToken = ct };
        await Parallel.ForEachAsync(paths.Distinct(), options, async (path, token) =>
        {
            // A dangling link (its blob deleted) is missing, as for huggingface_hub, and is downloaded again.
            if (LinkedFile.Size(cache.SnapshotFile(snapshot.Commit, path)) is { } size)
            {
                progress?.Report(new HubProgress(snapshot.Repo.Id, path, size, null, HubFileStatus.Cached));
                return;
            }
            if (snapshot.FromCacheOnly)
                throw Settings.Offline
                    ? HubErrors.NotCachedOffline(snapshot.Repo, snapshot.Revision, Settings, path)
                    : new SlotSharpException($"file '{path}' of {snapshot.Repo} at revision '{snapshot.Revision}' is not " +
                                             $"cached and {Settings.Endpoint} cannot be reached");
            await DownloadFileAsync(cache, snapshot.Commit, path, progress, token);
        });
    }

    async Task DownloadFileAsync(HubCacheRepo cache, string commit, string path, IProgress<HubProgress>? progress,
        CancellationToken ct)
    {
        var meta = await _http.HeadAsync(cache.Repo, commit, path, ct);
        try
        {
            using (await BlobLock.AcquireAsync(cache.LockPath(meta.Etag), ct))
            {
                // Another process (Python included) may have finished this blob while we waited for the lock.
                if (!File.Exists(cache.BlobPath(meta.Etag)))
                    await BlobDownload.FetchAsync(_http, cache, path, meta, progress, ct);
                cache.LinkIntoSnapshot(commit, path, meta.Etag);
            }
        }
        // Network failures are retried and reported inside FetchAsync; what escapes as IOException is the disk's.
        catch (Exception e) when (IsFileSystemFailure(e) && !ct.IsCancellationRequested) { throw HubErrors.CacheNotWritable(Settings, e); }
        progress?.Report(new HubProgress(cache.Repo.Id, path, meta.Size, meta.Size, HubFileStatus.Completed));
    }

    void WritingCache(Action write)
    {
        try { write(); }
        catch (Exception e) when (IsFileSystemFailure(e)) { throw HubErrors.CacheNotWritable(Settings, e); }
    }

    static bool IsFileSystemFailure(Exception e) => e is UnauthorizedAccessException or IOException;

    public void Dispose() => _http.Dispose();
}
