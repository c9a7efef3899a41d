namespace SlotSharp.Hub;

/// <summary>
/// Files in the cache are usually symlinks (snapshots/{commit}/{path} -> ../../blobs/{etag}). On Unix
/// FileInfo.Length of a link is the length of its target path and File.Exists is true for a dangling link, so
/// both questions are asked of the final target instead, as Python's os.path.exists/getsize do.
/// </summary>
internal static class LinkedFile
{
    /// <summary>The byte size of the file the path finally leads to, or null when there is none.</summary>
    public static long? Size(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        return info.Exists ? info.Length : null;
    }
}
