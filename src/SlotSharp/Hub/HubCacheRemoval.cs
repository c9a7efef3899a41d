namespace SlotSharp.Hub;

/// <summary>
/// What removing some revisions of a cached repository deletes: the whole repository folder when no revision is left,
/// else those snapshot folders, the refs naming them and the blobs no remaining revision uses. <see cref="FreedBytes"/>
/// is counted as huggingface_hub's delete_revisions counts it.
/// </summary>
internal sealed record HubCacheRemovalPlan(CachedRepo Repo, IReadOnlyList<CachedRevision> Revisions, bool WholeRepo,
    IReadOnlyList<string> Snapshots, IReadOnlyList<string> Refs, IReadOnlyList<string> Blobs, long FreedBytes);

/// <summary>
/// Removes revisions from the cache (huggingface_hub's delete_revisions and DeleteCacheStrategy.execute), but never
/// deletes anything outside the cache: links are removed as links and never followed, a blob is deleted only where a
/// snapshot link's first hop lands in the repository's own blobs/ folder (huggingface_hub would delete the final
/// target of a link pointing elsewhere), and every folder it deletes in is checked to really lie in the cache.
/// </summary>
internal static class HubCacheRemoval
{
    public static HubCacheRemovalPlan Plan(CachedRepo repo, IReadOnlyList<CachedRevision>? revisions = null)
    {
        revisions ??= repo.Revisions;
        var removed = revisions.Select(r => r.Commit).ToHashSet(StringComparer.Ordinal);
        var kept = repo.Revisions.Where(r => !removed.Contains(r.Commit)).ToList();
        var blobsFolder = Path.Combine(repo.Folder, "blobs");
        if (kept.Count == 0)
        {
            var all = repo.Revisions.SelectMany(r => r.Files).DistinctBy(f => f.BlobPath).ToList();
            return new HubCacheRemovalPlan(repo, repo.Revisions, WholeRepo: true, [], [], [], all.Sum(f => f.Size));
        }
        var keptBlobs = kept.SelectMany(r => r.Files).Select(f => f.BlobPath).ToHashSet(StringComparer.Ordinal);
        var freed = new Dictionary<string, long>(StringComparer.Ordinal);
        var blobs = new List<string>();
        foreach (var (revision, file) in revisions.SelectMany(r => r.Files.Select(f => (r, f))))
        {
            if (HubCachePaths.IsInside(revision.SnapshotPath, file.BlobPath))
                freed[file.BlobPath] = file.Size; // a copy inside the snapshot: it goes with the folder
            else if (Path.GetDirectoryName(file.BlobPath) == blobsFolder && !keptBlobs.Contains(file.BlobPath) && freed.TryAdd(file.BlobPath, file.Size))
                blobs.Add(file.BlobPath);
            // Anything else is a link to a file outside the repository: only the link goes.
        }
        var refs = revisions.SelectMany(r => r.Refs).Select(r => Path.Combine(repo.Folder, "refs", r.Replace('/', Path.DirectorySeparatorChar))).ToList();
        return new HubCacheRemovalPlan(repo, revisions, WholeRepo: false, [.. revisions.Select(r => r.SnapshotPath)], refs, blobs, freed.Values.Sum());
    }

    /// <summary>
    /// Deletes what <paramref name="plan"/> names, refs and snapshots before blobs (an interruption leaves no link to a
    /// missing blob). <paramref name="cacheDir"/> is the cache the plan's repository was scanned in. Returns what could
    /// not be deleted, one line each; throws, deleting nothing, when the repository is not really inside the cache.
    /// </summary>
    public static IReadOnlyList<string> Execute(HubCacheRemovalPlan plan, string cacheDir)
    {
        var root = HubCachePaths.Real(cacheDir);
        var repo = plan.Repo.Folder;
        if (HubCachePaths.IsLink(repo) || HubCachePaths.Real(repo) != Path.Combine(root, Path.GetFileName(repo)))
            throw new SlotSharpException($"'{repo}' is a link or lies outside the cache '{root}'; nothing was removed (remove it yourself)");
        foreach (var sub in new[] { "blobs", "snapshots", "refs" })
        {
            var folder = Path.Combine(repo, sub);
            if (HubCachePaths.IsLink(folder))
                throw new SlotSharpException($"'{folder}' is a link (to '{new FileInfo(folder).LinkTarget}'); nothing was removed, since that would delete outside the cache (remove it yourself)");
        }
        var failures = new List<string>();
        if (plan.WholeRepo) Delete(repo, root, failures);
        foreach (var path in plan.Snapshots.Concat(plan.Refs).Concat(plan.Blobs)) Delete(path, repo, failures);
        return failures;
    }

    /// <summary>
    /// Deletes a file, a link (as a link) or a folder's contents and then the folder, never entering a link; only
    /// entries whose folder really lies in <paramref name="within"/> (a real path).
    /// </summary>
    static void Delete(string path, string within, List<string> failures)
    {
        try
        {
            if (!HubCachePaths.IsInside(within, HubCachePaths.Real(Path.GetDirectoryName(path)!)))
            {
                failures.Add($"not removed: '{path}' does not lie inside '{within}'");
                return;
            }
            if (HubCachePaths.IsLink(path) || File.Exists(path)) File.Delete(path);
            else if (Directory.Exists(path))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(path).ToList()) Delete(entry, within, failures);
                Directory.Delete(path);
            }
            else failures.Add($"not removed: '{path}' is already gone");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"not removed: '{path}': {e.Message}");
        }
    }
}
