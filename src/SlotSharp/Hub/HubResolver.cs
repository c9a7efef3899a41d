namespace SlotSharp.Hub;

/// <summary>
/// Entry points for commands: a --model or --data value becomes a local folder. Settings default to the
/// environment (HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE), as huggingface_hub reads them.
/// </summary>
public static class HubResolver
{
    /// <summary>
    /// An existing local folder is returned as is; otherwise a model repo id is resolved (revision default "main")
    /// to its snapshot folder in the shared cache, downloading only the files SlotSharp needs.
    /// </summary>
    public static string ResolveModel(string modelOrRepoId, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null) =>
        ResolveModelAsync(modelOrRepoId, revision, progress, settings).GetAwaiter().GetResult();

    public static async Task<string> ResolveModelAsync(string modelOrRepoId, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null, CancellationToken ct = default)
    {
        if (Directory.Exists(modelOrRepoId)) return Path.GetFullPath(modelOrRepoId);
        var repo = HubRepoId.Parse(modelOrRepoId, HubRepoType.Model);
        var snapshot = await DownloadModelAsync(repo, revision, progress, settings, ct);
        return snapshot.Folder;
    }

    /// <summary>Downloads a repository's needed files: the model subset, or every file of a dataset.</summary>
    public static HubSnapshot Download(string repoId, HubRepoType type, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null)
    {
        var repo = HubRepoId.Parse(repoId, type);
        return (type == HubRepoType.Model
            ? DownloadModelAsync(repo, revision, progress, settings, default)
            : DownloadAllAsync(repo, revision, progress, settings, default)).GetAwaiter().GetResult();
    }

    static async Task<HubSnapshot> DownloadModelAsync(HubRepoId repo, string? revision,
        IProgress<HubProgress>? progress, HubSettings? settings, CancellationToken ct)
    {
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment());
        var snapshot = await client.OpenAsync(repo, revision, ct);
        IReadOnlyList<string> first;
        try { first = ModelFiles.FirstPass(snapshot.Files, repo); }
        catch (SlotSharpException e) when (snapshot.FromCacheOnly)
        {
            // The cache may hold a partial snapshot (e.g. Python fetched config.json only): say that, not "bad repo".
            throw new SlotSharpException($"the cached snapshot {snapshot.Folder} of {repo} at revision '{snapshot.Revision}' " +
                $"is incomplete ({e.Message}); run once with network access and without HF_HUB_OFFLINE", e);
        }
        await client.EnsureFilesAsync(snapshot, first, progress, ct);
        // Shards are only known once the index is local; they then download concurrently.
        var index = Path.Combine(snapshot.Folder, ModelFiles.WeightIndex);
        if (first.Contains(ModelFiles.WeightIndex))
            await client.EnsureFilesAsync(snapshot, ModelFiles.ShardsFromIndex(index), progress, ct);
        return snapshot;
    }

    static async Task<HubSnapshot> DownloadAllAsync(HubRepoId repo, string? revision,
        IProgress<HubProgress>? progress, HubSettings? settings, CancellationToken ct)
    {
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment());
        var snapshot = await client.OpenAsync(repo, revision, ct);
        await client.EnsureFilesAsync(snapshot, snapshot.Files, progress, ct);
        return snapshot;
    }
}
