namespace SlotSharp.Hub;

/// <summary>A process holding a cache file open or memory-mapped.</summary>
internal sealed record OpenFileHolder(int Pid, string Name, string CommandLine, string Path);

/// <summary>
/// Who holds files under some cache paths. <see cref="Checked"/> false: no check was possible (<see cref="WhyNot"/>
/// says why). <see cref="Unreadable"/> counts processes whose open files could not be read (other users' processes
/// without the rights to look).
/// </summary>
internal sealed record HubCacheUsageCheck(bool Checked, string? WhyNot, IReadOnlyList<OpenFileHolder> Holders, int Unreadable);

/// <summary>
/// Finds processes that have cache files open, so that removing a model a running server (or anything else) still
/// uses can be refused. Linux only: each process's open descriptors (/proc/PID/fd) and memory maps (/proc/PID/maps:
/// llama.cpp and safetensors readers map their weights and may close the descriptor). Paths there are real paths,
/// so the paths asked about must be real too.
/// </summary>
internal static class HubCacheUsage
{
    /// <param name="files">Real paths of files whose use counts.</param>
    /// <param name="folders">Real paths of folders any file below which counts.</param>
    public static HubCacheUsageCheck Find(IReadOnlyCollection<string> files, IReadOnlyCollection<string> folders, string proc = "/proc")
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Path.Combine(proc, "self", "fd")))
            return new HubCacheUsageCheck(false, $"open files are found through {proc} (Linux), which this system does not have", [], 0);
        var wanted = files.ToHashSet(StringComparer.Ordinal);
        bool Wanted(string path) => wanted.Contains(path) || folders.Any(f => HubCachePaths.IsInside(f, path));

        var holders = new List<OpenFileHolder>();
        int unreadable = 0;
        var self = Uid(Path.Combine(proc, "self"));
        foreach (var dir in Directory.EnumerateDirectories(proc))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var held = OpenPaths(dir).FirstOrDefault(Wanted);
                if (held != null) holders.Add(new OpenFileHolder(pid, ReadOr(Path.Combine(dir, "comm"), "?").Trim(), CommandLine(dir), held));
            }
            // Another user's process hides its files; one of ours only while it is exiting (a zombie), which holds nothing.
            catch (UnauthorizedAccessException) { if (Uid(dir) is { } uid && uid != self) unreadable++; }
            catch (IOException) { } // the process ended while we looked
        }
        return new HubCacheUsageCheck(true, null, holders, unreadable);
    }

    /// <summary>The files a process has open (descriptors) and mapped; a deleted file's " (deleted)" mark is dropped.</summary>
    static IEnumerable<string> OpenPaths(string processDir)
    {
        var fds = Directory.EnumerateFileSystemEntries(Path.Combine(processDir, "fd")).ToList();
        var maps = File.ReadAllLines(Path.Combine(processDir, "maps"));
        foreach (var fd in fds)
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith('/')) yield return WithoutDeletedMark(target);
        foreach (var line in maps)
            if (MappedPath(line) is { } path) yield return path;
    }

    /// <summary>
    /// The file of one /proc/PID/maps line ("address perms offset dev inode   path"; the path may hold spaces), or null
    /// for an anonymous or pseudo mapping ([heap], [stack]).
    /// </summary>
    internal static string? MappedPath(string line)
    {
        int at = 0;
        for (int field = 0; field < 5; field++)
        {
            while (at < line.Length && line[at] == ' ') at++;
            while (at < line.Length && line[at] != ' ') at++;
        }
        var path = line[at..].TrimStart(' ');
        return path.StartsWith('/') ? WithoutDeletedMark(path) : null;
    }

    static string WithoutDeletedMark(string path) =>
        path.EndsWith(" (deleted)", StringComparison.Ordinal) ? path[..^" (deleted)".Length] : path;

    /// <summary>The real user id of a process (/proc/PID/status, readable by anyone); null once it has gone.</summary>
    static string? Uid(string processDir)
    {
        var line = ReadOr(Path.Combine(processDir, "status"), "").Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return line?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
    }

    static string CommandLine(string processDir)
    {
        var text = ReadOr(Path.Combine(processDir, "cmdline"), "").Replace('\0', ' ').Trim();
        return text.Length <= 200 ? text : text[..200] + "...";
    }

    static string ReadOr(string file, string fallback)
    {
        try { return File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return fallback; }
    }
}
