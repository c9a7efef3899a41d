namespace SlotSharp.Hub;

/// <summary>
/// Path questions the cache tools must answer about links: where a path really is (every link on the way followed)
/// and whether it lies inside a folder. Deleting goes by these answers, never by a path's spelling.
/// </summary>
internal static class HubCachePaths
{
    const int MaxLinks = 40; // Linux's own limit (ELOOP)

    /// <summary>
    /// The path with every symbolic link along it resolved, component by component (POSIX realpath); parts that do not
    /// exist are kept as spelled.
    /// </summary>
    public static string Real(string path) => Real(path, 0);

    static string Real(string path, int links)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links at '{next}'");
                // current has no links left in it, so a relative target's ".." is resolved against real folders.
                next = Real(Path.IsPathRooted(target) ? target : Path.Combine(current, target), links);
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it (both already real).</summary>
    public static bool IsInside(string folder, string path)
    {
        var f = Path.TrimEndingDirectorySeparator(folder);
        return path == f || path.StartsWith(f + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>Whether the entry itself is a symbolic link (dangling or not), without following it.</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget != null;
}
