using System.Text.RegularExpressions;

namespace SlotSharp.Hub;

/// <summary>
/// One repository's folder in the huggingface_hub cache, laid out exactly as Python lays it out:
/// <code>
/// {cache}/models--org--name/blobs/{etag}                 file contents, named by git sha1 or LFS sha256
/// {cache}/models--org--name/refs/{revision}              text file holding the commit hash (no newline)
/// {cache}/models--org--name/snapshots/{commit}/{path}    relative symlink to ../../blobs/{etag}
/// {cache}/.locks/models--org--name/{etag}.lock           inter-process lock while a blob is written
/// </code>
/// </summary>
internal sealed partial class HubCacheRepo(string cacheDir, HubRepoId repo)
{
    public HubRepoId Repo { get; } = repo;
    public string Folder { get; } = Path.Combine(cacheDir, repo.CacheFolderName);
    public string LocksFolder { get; } = Path.Combine(cacheDir, ".locks", repo.CacheFolderName);

    // Blob names and commits come from the server; the guards keep any other value from becoming a path.
    public string BlobPath(string etag) => Path.Combine(Folder, "blobs", RequireBlobName(etag));
    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";
    public string LockPath(string etag) => Path.Combine(LocksFolder, RequireBlobName(etag) + ".lock");
    public string SnapshotFolder(string commit) => Path.Combine(Folder, "snapshots", RequireCommitHash(commit));
    public string SnapshotFile(string commit, string repoPath) => Path.Combine(SnapshotFolder(commit), ToLocal(repoPath));
    // Revisions may contain '/', e.g. refs/pr/1 is stored as refs/refs/pr/1, as in Python.
    public string RefPath(string revision) => Path.Combine(Folder, "refs", ToLocal(revision));

    public static bool IsCommitHash(string revision) => CommitHashPattern().IsMatch(revision);

    /// <summary>The names the Hub gives blobs: a git blob sha1 (40 hex) or, for LFS files, a sha256 (64 hex).</summary>
    public static bool IsBlobName(string etag) => BlobNamePattern().IsMatch(etag);

    /// <summary>The commit a revision points to in the cache: itself when it is a hash, else refs/{revision}.</summary>
    public string? CachedCommit(string revision)
    {
        if (IsCommitHash(revision)) return revision;
        var refPath = RefPath(revision);
        if (!File.Exists(refPath)) return null;
        var commit = File.ReadAllText(refPath).Trim();
        return IsCommitHash(commit) ? commit
            : throw new SlotSharpException($"'{refPath}' holds '{Shorten(commit)}', not a 40-hex-digit commit hash; " +
                                           "delete it and download again");
    }

    /// <summary>Records revision -> commit (skipped when the revision is the commit), written atomically.</summary>
    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return;
        var path = RefPath(revision);
        if (File.Exists(path) && File.ReadAllText(path) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(tmp, commit);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Points snapshots/{commit}/{path} at the finished blob with a relative symlink (what Python creates, and
    /// what keeps the cache relocatable). Where symlinks are not allowed the blob is copied, as Python does.
    /// </summary>
    public string LinkIntoSnapshot(string commit, string repoPath, string etag)
    {
        var pointer = SnapshotFile(commit, repoPath);
        var pointerDir = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(pointerDir);
        var blob = BlobPath(etag);
        if (File.Exists(pointer) || new FileInfo(pointer).LinkTarget != null) File.Delete(pointer);
        try
        {
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(pointerDir, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Copy to a temporary name first so that no half-written file ever appears under snapshots/.
            var tmp = pointer + $".{Guid.NewGuid():N}.tmp";
            File.Copy(blob, tmp);
            File.Move(tmp, pointer, overwrite: true);
        }
        return pointer;
    }

    /// <summary>Paths (with '/') of every file in a cached snapshot, for offline listing.</summary>
    public IReadOnlyList<string> ListSnapshotFiles(string commit)
    {
        var root = SnapshotFolder(commit);
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal).ToList();
    }

    // A file list comes from the server; refuse anything that could step outside the snapshot folder.
    static string ToLocal(string repoPath)
    {
        if (repoPath.Length == 0 || repoPath.StartsWith('/') || repoPath.Contains('\\') || repoPath.Contains('\0')
            || repoPath.Split('/').Any(part => part is "" or "." or ".."))
            throw new SlotSharpException($"refusing unsafe repository path '{Shorten(repoPath)}'");
        return repoPath.Replace('/', Path.DirectorySeparatorChar);
    }

    static string RequireBlobName(string etag) => IsBlobName(etag) ? etag
        : throw new SlotSharpException($"refusing blob name '{Shorten(etag)}': not a 40 or 64 hex digit hash");

    static string RequireCommitHash(string commit) => IsCommitHash(commit) ? commit
        : throw new SlotSharpException($"refusing commit '{Shorten(commit)}': not a 40 hex digit hash");

    /// <summary>Server- or file-provided text quoted in a message, cut to a readable length.</summary>
    internal static string Shorten(string value) => value.Length <= 120 ? value : value[..120] + "...";

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHashPattern();

    [GeneratedRegex("^(?:[0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex BlobNamePattern();
}
