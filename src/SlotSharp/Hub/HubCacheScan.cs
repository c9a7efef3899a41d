namespace SlotSharp.Hub;

/// <summary>One file of a cached snapshot and the blob it stands for (sizes and times are the blob's).</summary>
/// <param name="Name">Its path in the repository, with '/'.</param>
/// <param name="FilePath">The entry under snapshots/{commit}/ (usually a relative link).</param>
/// <param name="BlobPath">The link's first hop when it lands in the repo's blobs/ folder, else the final target (a copy
/// inside the snapshot, or a file elsewhere that a user linked in).</param>
internal sealed record CachedFile(string Name, string FilePath, string BlobPath, long Size, DateTime LastAccessedUtc, DateTime LastModifiedUtc);

/// <summary>One snapshots/{commit} folder: its files, the refs naming it, the size of its distinct blobs.</summary>
internal sealed record CachedRevision(string Commit, string SnapshotPath, long SizeOnDisk, IReadOnlyList<CachedFile> Files,
    IReadOnlyList<string> Refs, DateTime LastModifiedUtc);

/// <summary>
/// One cached repository. <see cref="SizeOnDisk"/> counts each blob once however many revisions use it;
/// <see cref="LastAccessedUtc"/> is the newest access time of its blobs (as huggingface_hub's scan_cache_dir).
/// <see cref="Warnings"/> holds what scan-cache would call corruption (a dangling link, a ref to a missing commit).
/// </summary>
internal sealed record CachedRepo(string Type, string Id, string Folder, long SizeOnDisk, int FileCount,
    IReadOnlyList<CachedRevision> Revisions, DateTime LastAccessedUtc, DateTime LastModifiedUtc, IReadOnlyList<string> Warnings)
{
    /// <summary>Weights formats among its files: "safetensors", "gguf" (none for a dataset or a config-only repo).</summary>
    public IReadOnlyList<string> Formats =>
    [
        .. new[] { "safetensors", "gguf" }.Where(ext => Revisions.Any(r => r.Files.Any(
            f => f.Name.EndsWith("." + ext, StringComparison.OrdinalIgnoreCase)))),
    ];
}

/// <summary>A blobs/*.incomplete file an interrupted download left behind.</summary>
internal sealed record IncompleteDownload(string Path, long Size);

/// <summary>The whole cache: its repositories, the total size on disk (each blob once) and what could not be read.</summary>
internal sealed record HubCacheReport(string CacheDir, IReadOnlyList<CachedRepo> Repos, long SizeOnDisk,
    IReadOnlyList<IncompleteDownload> Incomplete, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads the huggingface_hub cache the way huggingface_hub's scan_cache_dir does (`huggingface-cli scan-cache` shows
/// its report): the same sizes, counts, times and warning texts. One difference: a repository with a problem (a dangling
/// link, a ref to a missing commit) stays in the report with its warnings and whatever could be read, rather than
/// being left out, so that it can still be seen and removed.
/// </summary>
internal static class HubCacheScan
{
    // Files the OS drops into folders, and the cache's own non-repository entries.
    static readonly string[] Ignored = [".DS_Store", "Thumbs.db", "desktop.ini"];
    static readonly string[] NotRepos = [".locks", "CACHEDIR.TAG"];

    public static HubCacheReport Scan(string cacheDir)
    {
        if (!Directory.Exists(cacheDir)) throw new SlotSharpException($"the Hugging Face cache folder '{cacheDir}' does not exist");
        // Real paths from here on, as huggingface_hub resolves the cache folder: a cache reached through a link reports
        // (and removes) the files where they are.
        cacheDir = HubCachePaths.Real(cacheDir);
        var repos = new List<CachedRepo>();
        var warnings = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(cacheDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            if (Ignored.Contains(name) || NotRepos.Contains(name)) continue;
            try { repos.Add(ScanRepo(entry)); }
            catch (CorruptedRepoException e) { warnings.Add(e.Message); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { warnings.Add($"Cannot read {entry}: {e.Message}"); }
        }
        // Each blob once: the physical size (no two repositories share a blob without huggingface_hub's shared store).
        long total = repos.SelectMany(r => r.Revisions).SelectMany(v => v.Files)
            .DistinctBy(f => f.BlobPath).Sum(f => f.Size);
        var incomplete = repos.SelectMany(r => Incomplete(r.Folder)).ToList();
        return new HubCacheReport(cacheDir, repos, total, incomplete, [.. warnings, .. repos.SelectMany(r => r.Warnings)]);
    }

    /// <summary>The repository in <paramref name="folder"/>; a folder that is not one throws <see cref="CorruptedRepoException"/>.</summary>
    internal static CachedRepo ScanRepo(string folder)
    {
        if (!Directory.Exists(folder)) throw new CorruptedRepoException($"Repo path is not a directory: {folder}");
        var name = Path.GetFileName(folder);
        int sep = name.IndexOf("--", StringComparison.Ordinal);
        if (sep < 0) throw new CorruptedRepoException($"Repo path is not a valid HuggingFace cache directory: {folder}");
        var type = name[..sep].TrimEnd('s');
        if (type is not ("model" or "dataset" or "space"))
            throw new CorruptedRepoException($"Repo type must be `dataset`, `model` or `space`, found `{type}` ({folder}).");
        var id = name[(sep + 2)..].Replace("--", "/", StringComparison.Ordinal);

        var warnings = new List<string>();
        var refsByCommit = ReadRefs(Path.Combine(folder, "refs"), warnings);
        var blobs = new Dictionary<string, FileInfo>(StringComparer.Ordinal);
        var revisions = new List<CachedRevision>();
        var snapshots = Path.Combine(folder, "snapshots");
        if (!Directory.Exists(snapshots)) warnings.Add($"Snapshots dir doesn't exist in cached repo: {snapshots}");
        else
            foreach (var revision in Directory.EnumerateFileSystemEntries(snapshots).Order(StringComparer.Ordinal))
            {
                if (Ignored.Contains(Path.GetFileName(revision))) continue;
                if (!Directory.Exists(revision)) { warnings.Add($"Snapshots folder corrupted. Found a file: {revision}"); continue; }
                revisions.Add(ScanRevision(folder, revision, refsByCommit, blobs, warnings));
            }
        if (refsByCommit.Count > 0)
            warnings.Add($"Reference(s) refer to missing commit hashes: {string.Join(", ", refsByCommit.Select(kv => $"{kv.Key} ({string.Join(", ", kv.Value)})"))} ({folder}).");

        var stats = blobs.Values;
        var repoInfo = new DirectoryInfo(folder);
        return new CachedRepo(type, id, folder, stats.Sum(b => b.Length), stats.Count, revisions,
            stats.Count > 0 ? stats.Max(b => b.LastAccessTimeUtc) : repoInfo.LastAccessTimeUtc,
            stats.Count > 0 ? stats.Max(b => b.LastWriteTimeUtc) : repoInfo.LastWriteTimeUtc, warnings);
    }

    static CachedRevision ScanRevision(string repoFolder, string revision, Dictionary<string, List<string>> refsByCommit,
        Dictionary<string, FileInfo> blobs, List<string> warnings)
    {
        var files = new List<CachedFile>();
        var blobsFolder = Path.Combine(repoFolder, "blobs");
        foreach (var file in Files(revision))
        {
            string blob = file;
            if (new FileInfo(file).LinkTarget is { } target)
            {
                // The first hop, when it is a blob of this repo (the blob entry itself may link on, to a shared store).
                var firstHop = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
                blob = Path.GetDirectoryName(firstHop) == blobsFolder ? firstHop : HubCachePaths.Real(file);
            }
            var info = Stat(blob);
            if (info == null)
            {
                warnings.Add($"Blob missing (broken symlink): {blob}");
                continue;
            }
            if (!blobs.ContainsKey(blob)) blobs[blob] = info;
            var name = Path.GetRelativePath(revision, file).Replace(Path.DirectorySeparatorChar, '/');
            files.Add(new CachedFile(name, file, blob, info.Length, info.LastAccessTimeUtc, info.LastWriteTimeUtc));
        }
        var commit = Path.GetFileName(revision);
        refsByCommit.Remove(commit, out var refs);
        long size = files.DistinctBy(f => f.BlobPath).Sum(f => f.Size);
        var modified = files.Count > 0 ? files.Max(f => f.LastModifiedUtc) : new DirectoryInfo(revision).LastWriteTimeUtc;
        return new CachedRevision(commit, revision, size, files, [.. (refs ?? []).Order(StringComparer.Ordinal)], modified);
    }

    /// <summary>Every file below a snapshot folder, without entering linked folders (as Python's glob("**/*")).</summary>
    static IEnumerable<string> Files(string folder)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal))
        {
            if (Directory.Exists(entry))
            {
                if (HubCachePaths.IsLink(entry)) continue; // a link to a folder: glob skips it as a folder
                foreach (var f in Files(entry)) yield return f;
            }
            else yield return entry;
        }
    }

    /// <summary>The final target's metadata (a link's own would give the length of its target's path), or null when dangling.</summary>
    static FileInfo? Stat(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget != null)
        {
            try { info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo; }
            catch (IOException) { return null; } // a cycle
        }
        return info is { Exists: true } ? info : null;
    }

    /// <summary>commit -> the refs naming it ("main", "refs/pr/1"), read from refs/.</summary>
    static Dictionary<string, List<string>> ReadRefs(string refs, List<string> warnings)
    {
        var byCommit = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (File.Exists(refs)) { warnings.Add($"Refs directory cannot be a file: {refs}"); return byCommit; }
        if (!Directory.Exists(refs)) return byCommit;
        foreach (var file in Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories))
        {
            if (Ignored.Contains(Path.GetFileName(file))) continue;
            var commit = File.ReadAllText(file).Trim();
            var name = Path.GetRelativePath(refs, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!byCommit.TryGetValue(commit, out var list)) byCommit[commit] = list = [];
            list.Add(name);
        }
        return byCommit;
    }

    static IEnumerable<IncompleteDownload> Incomplete(string repoFolder)
    {
        var blobs = Path.Combine(repoFolder, "blobs");
        if (!Directory.Exists(blobs)) return [];
        return Directory.EnumerateFiles(blobs, "*.incomplete").Select(f => new IncompleteDownload(f, new FileInfo(f).Length));
    }
}

/// <summary>A cache entry that is not a repository folder (huggingface_hub's CorruptedCacheException).</summary>
internal sealed class CorruptedRepoException(string message) : SlotSharpException(message);
