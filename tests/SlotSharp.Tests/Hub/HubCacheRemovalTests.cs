using SlotSharp.Hub;
using static SlotSharp.Tests.Hub.HubCacheLayout;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// Removing revisions: which snapshots, refs and blobs go (huggingface_hub's delete_revisions), that nothing outside
/// the cache is touched, and that files a process holds open or mapped are found.
/// </summary>
public sealed class HubCacheRemovalTests : IDisposable
{
    readonly HubCacheLayout _cache = new();

    public void Dispose() => _cache.Dispose();

    CachedRepo Repo(string id) => HubCacheScan.Scan(_cache.Cache).Repos.Single(r => r.Id == id);

    /// <summary>Every file and link under the cache, relative to it: what a removal must leave or take.</summary>
    HashSet<string> Entries() =>
        Directory.EnumerateFileSystemEntries(_cache.Cache, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_cache.Cache, p)).ToHashSet();

    [SkippableFact]
    public void RemovingTheOldRevisionKeepsTheBlobsTheOtherStillUsesAndTheOutsideFile()
    {
        var tiny = Repo("acme/tiny");
        var before = Entries();
        var plan = HubCacheRemoval.Plan(tiny, [tiny.Revisions[0]]);
        Assert.False(plan.WholeRepo);
        Assert.Equal(Weights1.Length, plan.FreedBytes); // the outside file is neither deleted nor counted
        Assert.Empty(HubCacheRemoval.Execute(plan, _cache.Cache));

        string Rel(string p) => Path.GetRelativePath(_cache.Cache, p);
        var rev1 = Path.Combine(_cache.TinyFolder, "snapshots", Rev1);
        var gone = new[] { rev1, Path.Combine(rev1, "config.json"), Path.Combine(rev1, "model.safetensors"), Path.Combine(rev1, "extra.bin"),
            _cache.Blob(_cache.TinyFolder, Weights1) }.Select(Rel).ToHashSet();
        Assert.Equal(before.Except(gone).ToHashSet(), Entries());
        Assert.Equal(OutsideBytes, File.ReadAllBytes(_cache.Outside));
        Assert.Equal(Rev2, File.ReadAllText(Path.Combine(_cache.TinyFolder, "refs", "main")));
        // What is left is a whole repository again, as the scan sees it.
        var after = Repo("acme/tiny");
        Assert.Equal([Rev2], after.Revisions.Select(r => r.Commit));
        Assert.Equal((3, (long)(Config.Length + Weights2.Length + Vocab.Length)), (after.FileCount, after.SizeOnDisk));
    }

    [SkippableFact]
    public void RemovingTheRevisionMainNamesTakesItsRefAndOnlyItsOwnBlobs()
    {
        var tiny = Repo("acme/tiny");
        var plan = HubCacheRemoval.Plan(tiny, [tiny.Revisions[1]]);
        Assert.Equal(Weights2.Length + Vocab.Length, plan.FreedBytes);
        Assert.Empty(HubCacheRemoval.Execute(plan, _cache.Cache));

        Assert.False(File.Exists(Path.Combine(_cache.TinyFolder, "refs", "main")));
        Assert.False(Directory.Exists(Path.Combine(_cache.TinyFolder, "snapshots", Rev2)));
        Assert.False(File.Exists(_cache.Blob(_cache.TinyFolder, Weights2)));
        Assert.False(File.Exists(_cache.Blob(_cache.TinyFolder, Vocab)));
        Assert.True(File.Exists(_cache.Blob(_cache.TinyFolder, Config)));
        Assert.True(File.Exists(_cache.Blob(_cache.TinyFolder, Weights1)));
        Assert.Equal([Rev1], Repo("acme/tiny").Revisions.Select(r => r.Commit));
    }

    [SkippableFact]
    public void RemovingEveryRevisionRemovesTheRepositoryFolderAndNothingElse()
    {
        var tiny = Repo("acme/tiny");
        var others = Entries().Where(e => !e.StartsWith("models--acme--tiny" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && e != "models--acme--tiny").ToHashSet();
        var plan = HubCacheRemoval.Plan(tiny);
        Assert.True(plan.WholeRepo);
        Assert.Equal(tiny.SizeOnDisk, plan.FreedBytes);
        Assert.Empty(HubCacheRemoval.Execute(plan, _cache.Cache));
        Assert.False(Directory.Exists(_cache.TinyFolder));
        Assert.Equal(others, Entries());
        Assert.Equal(OutsideBytes, File.ReadAllBytes(_cache.Outside));
    }

    [SkippableFact]
    public void ADanglingLinkDoesNotStopTheRemoval()
    {
        var broken = Repo("acme/broken");
        Assert.Empty(HubCacheRemoval.Execute(HubCacheRemoval.Plan(broken), _cache.Cache));
        Assert.False(Directory.Exists(_cache.BrokenFolder));
    }

    [SkippableFact]
    public void ARepositoryFolderThatIsALinkOutOfTheCacheIsRefusedAndKept()
    {
        // A repository moved to another disk and linked back: removing it would delete outside the cache.
        var elsewhere = Path.Combine(_cache.Root, "elsewhere", "models--acme--moved");
        Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
        Directory.Move(_cache.GgufFolder, elsewhere);
        var link = Path.Combine(_cache.Cache, "models--acme--moved");
        Directory.CreateSymbolicLink(link, elsewhere);

        var moved = HubCacheScan.ScanRepo(link);
        var e = Assert.Throws<SlotSharpException>(() => HubCacheRemoval.Execute(HubCacheRemoval.Plan(moved), _cache.Cache));
        Assert.Contains(link, e.Message, StringComparison.Ordinal);
        Assert.Equal(GgufBytes, File.ReadAllBytes(_cache.Blob(elsewhere, GgufBytes)));
        Assert.True(HubCachePaths.IsLink(link));
    }

    [SkippableFact]
    public void ABlobsFolderThatIsALinkIsRefusedAndKept()
    {
        var elsewhere = Path.Combine(_cache.Root, "elsewhere-blobs");
        Directory.Move(Path.Combine(_cache.GgufFolder, "blobs"), elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(_cache.GgufFolder, "blobs"), elsewhere);

        var e = Assert.Throws<SlotSharpException>(() => HubCacheRemoval.Execute(HubCacheRemoval.Plan(Repo("acme/tiny-GGUF")), _cache.Cache));
        Assert.Contains("blobs", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(elsewhere, Sha256(GgufBytes))));
        Assert.True(Directory.Exists(Path.Combine(_cache.GgufFolder, "snapshots", RevGguf)));
    }

    [SkippableFact]
    public void AnOpenBlobIsFoundWithThisProcessAsItsHolder()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "open files are found through /proc (Linux)");
        var weights2 = _cache.Blob(_cache.TinyFolder, Weights2);
        using (File.OpenRead(weights2))
        {
            var check = HubCacheUsage.Find([weights2], []);
            Assert.True(check.Checked);
            var holder = Assert.Single(check.Holders);
            Assert.Equal((Environment.ProcessId, weights2), (holder.Pid, holder.Path));
            Assert.Equal(File.ReadAllText("/proc/self/comm").Trim(), holder.Name);
            // A folder counts for every file below it; another file does not.
            Assert.Single(HubCacheUsage.Find([], [_cache.TinyFolder]).Holders);
            Assert.Empty(HubCacheUsage.Find([_cache.Blob(_cache.TinyFolder, Weights1)], []).Holders);
        }
        Assert.Empty(HubCacheUsage.Find([weights2], []).Holders);
    }

    [SkippableFact]
    public void AMappedBlobWhoseFileIsClosedIsStillFound()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "memory maps are found through /proc (Linux)");
        var gguf = _cache.Blob(_cache.GgufFolder, GgufBytes);
        // mmap, then close the descriptor, as llama.cpp does with its weights: only the mapping is left to find.
        IntPtr map;
        using (var stream = File.OpenRead(gguf))
            map = Mmap(IntPtr.Zero, (nuint)GgufBytes.Length, ProtRead, MapPrivate, (int)stream.SafeFileHandle.DangerousGetHandle(), 0);
        Assert.NotEqual(new IntPtr(-1), map);
        try
        {
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/proc/self/fd"), fd => new FileInfo(fd).LinkTarget == gguf);
            Assert.Contains(File.ReadAllLines("/proc/self/maps"), l => l.EndsWith(gguf, StringComparison.Ordinal));
            var holder = Assert.Single(HubCacheUsage.Find([gguf], []).Holders);
            Assert.Equal(Environment.ProcessId, holder.Pid);
        }
        finally { Assert.Equal(0, Munmap(map, (nuint)GgufBytes.Length)); }
        Assert.Empty(HubCacheUsage.Find([gguf], []).Holders);
    }

    const int ProtRead = 1, MapPrivate = 2; // Linux's PROT_READ, MAP_PRIVATE

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    static extern IntPtr Mmap(IntPtr addr, nuint length, int prot, int flags, int fd, nint offset);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    static extern int Munmap(IntPtr addr, nuint length);

    [SkippableTheory]
    // proc(5): address perms offset dev inode pathname; the pathname may hold spaces and a " (deleted)" mark.
    [InlineData("7f1c2a000000-7f1c2a100000 r--s 00000000 08:01 1234567                    /cache/blobs/ab cd", "/cache/blobs/ab cd")]
    [InlineData("7f1c2a000000-7f1c2a100000 r--s 00000000 08:01 1234567    /cache/blobs/abcd (deleted)", "/cache/blobs/abcd")]
    [InlineData("7ffd5a1f0000-7ffd5a211000 rw-p 00000000 00:00 0                          [stack]", null)]
    [InlineData("7f1c2a200000-7f1c2a300000 rw-p 00000000 00:00 0 ", null)]
    public void MapsLinesGiveTheirFile(string line, string? expected) => Assert.Equal(expected, HubCacheUsage.MappedPath(line));
}
