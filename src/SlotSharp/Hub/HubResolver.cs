namespace SlotSharp.Hub;

/// <summary>
/// Entry points for commands: a --model or --data value becomes a local folder. Settings default to the
/// environment (HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE), as huggingface_hub reads them.
/// </summary>
public static class HubResolver
{
    /// <summary>
    /// An existing local folder is returned as is; otherwise a model repo id is resolved (revision default "main")
    /// to its snapshot folder in the shared cache, downloading only the files SlotSharp needs. When the model runs
    /// on llama.cpp (see <see cref="ModelFiles.Plan"/>) the path of the one GGUF file chosen in that folder is returned.
    /// </summary>
    public static string ResolveModel(string modelOrRepoId, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null, WeightsChoice? weights = null) =>
        ResolveModelAsync(modelOrRepoId, revision, progress, settings, weights).GetAwaiter().GetResult();

    public static async Task<string> ResolveModelAsync(string modelOrRepoId, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null, WeightsChoice? weights = null,
        CancellationToken ct = default)
    {
        if (Directory.Exists(modelOrRepoId) || File.Exists(modelOrRepoId)) return Path.GetFullPath(modelOrRepoId);
        if (LooksLikeLocalPath(modelOrRepoId))
            throw new SlotSharpException($"model path '{modelOrRepoId}' does not exist (it looks like a local path, so it is not looked up on the Hub)");
        var repo = HubRepoId.Parse(modelOrRepoId, HubRepoType.Model);
        var (snapshot, ggufPath) = await DownloadModelAsync(repo, revision, progress, settings, weights ?? WeightsChoice.Default, ct);
        return ggufPath ?? snapshot.Folder;
    }

    /// <summary>
    /// Whether a --model value is meant as a local path rather than a Hub repo id: a separator beyond owner/name
    /// (or any backslash), a leading ./, ../, / or ~, or a .gguf or .safetensors ending. A mistyped path of that
    /// shape is reported as missing instead of being looked up on the Hub.
    /// </summary>
    internal static bool LooksLikeLocalPath(string value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        if (value.Contains('\\', StringComparison.Ordinal) || value.Count(c => c == '/') > 1) return true;
        if (value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal)
            || value.StartsWith('/') || value.StartsWith('~') || value is "." or "..") return true;
        return value.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            || Path.IsPathRooted(value);
    }

    /// <summary>Downloads a repository's needed files: the model subset, or every file of a dataset.</summary>
    public static HubSnapshot Download(string repoId, HubRepoType type, string? revision = null,
        IProgress<HubProgress>? progress = null, HubSettings? settings = null, WeightsChoice? weights = null)
    {
        var repo = HubRepoId.Parse(repoId, type);
        if (type == HubRepoType.Dataset) return DownloadAllAsync(repo, revision, progress, settings, default).GetAwaiter().GetResult();
        return DownloadModelAsync(repo, revision, progress, settings, weights ?? WeightsChoice.Default, default).GetAwaiter().GetResult().Snapshot;
    }

    /// <returns>The snapshot, and the local path of the GGUF file when the model runs on llama.cpp.</returns>
    static async Task<(HubSnapshot Snapshot, string? GgufPath)> DownloadModelAsync(HubRepoId repo, string? revision,
        IProgress<HubProgress>? progress, HubSettings? settings, WeightsChoice weights, CancellationToken ct)
    {
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment());
        var snapshot = await client.OpenAsync(repo, revision, ct);
        ModelFilePlan plan;
        // Offline the choice is made among the cached files, so a GGUF fetched before is reused.
        try { plan = ModelFiles.Plan(snapshot.Files, repo, weights); }
        catch (SlotSharpException e) when (snapshot.FromCacheOnly)
        {
            // The cache may hold a partial snapshot (e.g. Python fetched config.json only): say that, not "bad repo".
            throw new SlotSharpException($"the cached snapshot {snapshot.Folder} of {repo} at revision '{snapshot.Revision}' " +
                $"is incomplete ({e.Message}); run once with network access and without HF_HUB_OFFLINE", e);
        }
        await client.EnsureFilesAsync(snapshot, plan.Files, progress, ct);
        // Shards are only known once the index is local; they then download concurrently.
        var index = Path.Combine(snapshot.Folder, ModelFiles.WeightIndex);
        if (plan.GgufFile == null && plan.Files.Contains(ModelFiles.WeightIndex))
            await client.EnsureFilesAsync(snapshot, ModelFiles.ShardsFromIndex(index), progress, ct);
        return (snapshot, plan.GgufFile == null ? null : client.Cache(repo).SnapshotFile(snapshot.Commit, plan.GgufFile));
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
