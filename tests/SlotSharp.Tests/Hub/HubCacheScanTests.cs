using SlotSharp.Hub;
using static SlotSharp.Tests.Hub.HubCacheLayout;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// The cache report against what <see cref="HubCacheLayout"/> wrote, counted the way huggingface_hub's scan_cache_dir
/// counts (each blob once per repo, a snapshot link's first hop as its blob, times from the blobs).
/// </summary>
public sealed class HubCacheScanTests : IDisposable
{
    readonly HubCacheLayout _cache = new();

    public void Dispose() => _cache.Dispose();

    [SkippableFact]
    public void ReportCountsEachBlobOncePerRepoWithRevisionsRefsAndTimes()
    {
        var report = HubCacheScan.Scan(_cache.Cache);

        Assert.Equal(["acme/data", "acme/broken", "acme/tiny", "acme/tiny-GGUF"], report.Repos.Select(r => r.Id));
        var tiny = report.Repos.Single(r => r.Id == "acme/tiny");
        Assert.Equal("model", tiny.Type);
        Assert.Equal(["safetensors"], tiny.Formats);
        // The config blob is shared by both revisions and counted once; the linked outside file counts, as in scan-cache.
        Assert.Equal(5, tiny.FileCount);
        Assert.Equal(Config.Length + Weights1.Length + Weights2.Length + Vocab.Length + OutsideBytes.Length, tiny.SizeOnDisk);
        Assert.Equal(Long.AddDays(5).AddHours(1), tiny.LastAccessedUtc);
        Assert.Equal(Long.AddDays(5), tiny.LastModifiedUtc);
        Assert.Equal([Rev1, Rev2], tiny.Revisions.Select(r => r.Commit));
        var (rev1, rev2) = (tiny.Revisions[0], tiny.Revisions[1]);
        Assert.Empty(rev1.Refs);
        Assert.Equal(["main"], rev2.Refs);
        Assert.Equal(Config.Length + Weights1.Length + OutsideBytes.Length, rev1.SizeOnDisk);
        Assert.Equal(Config.Length + Weights2.Length + Vocab.Length, rev2.SizeOnDisk);
        Assert.Equal(["config.json", "model.safetensors", "tokenizer/vocab.txt"], rev2.Files.Select(f => f.Name));
        Assert.Equal(_cache.Blob(_cache.TinyFolder, Vocab), rev2.Files[2].BlobPath);
        Assert.Equal(Long.AddDays(5), rev2.LastModifiedUtc);
        Assert.Empty(tiny.Warnings);

        var gguf = report.Repos.Single(r => r.Id == "acme/tiny-GGUF");
        Assert.Equal(["gguf"], gguf.Formats);
        Assert.Equal((1, (long)GgufBytes.Length), (gguf.FileCount, gguf.SizeOnDisk));
        var data = report.Repos.Single(r => r.Id == "acme/data");
        Assert.Equal(("dataset", (long)Data.Length), (data.Type, data.SizeOnDisk));
        Assert.Empty(data.Formats);

        Assert.Equal(tiny.SizeOnDisk + GgufBytes.Length + Data.Length + BrokenConfig.Length, report.SizeOnDisk);
        Assert.Equal(10 * "partial".Length, report.Incomplete.Single().Size);
    }

    [SkippableFact]
    public void DanglingLinkIsAWarningInScanCacheWordsNotACrash()
    {
        var report = HubCacheScan.Scan(_cache.Cache);
        var broken = report.Repos.Single(r => r.Id == "acme/broken");
        Assert.Equal([$"Blob missing (broken symlink): {_cache.MissingBlob}"], broken.Warnings);
        Assert.Equal([$"Blob missing (broken symlink): {_cache.MissingBlob}"], report.Warnings);
        // What could be read is still reported: the config, not the dangling weights.
        Assert.Equal((1, (long)BrokenConfig.Length), (broken.FileCount, broken.SizeOnDisk));
    }

    [SkippableFact]
    public void RefToAMissingCommitAndAStrayFolderAreWarnings()
    {
        File.WriteAllText(Path.Combine(_cache.GgufFolder, "refs", "v1"), "9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f");
        Directory.CreateDirectory(Path.Combine(_cache.Cache, "not-a-repo"));
        var report = HubCacheScan.Scan(_cache.Cache);
        Assert.Contains($"Repo path is not a valid HuggingFace cache directory: {Path.Combine(_cache.Cache, "not-a-repo")}", report.Warnings);
        Assert.Contains(report.Warnings, w => w.StartsWith("Reference(s) refer to missing commit hashes: 9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f (v1)", StringComparison.Ordinal));
        Assert.Equal(4, report.Repos.Count);
    }

    [SkippableFact]
    public void CacheReachedThroughALinkIsReportedWhereItReallyIs()
    {
        var link = Path.Combine(_cache.Root, "hub-link");
        Directory.CreateSymbolicLink(link, _cache.Cache);
        var report = HubCacheScan.Scan(link);
        Assert.Equal(_cache.Cache, report.CacheDir);
        Assert.Equal(HubCacheScan.Scan(_cache.Cache).SizeOnDisk, report.SizeOnDisk);
    }
}
