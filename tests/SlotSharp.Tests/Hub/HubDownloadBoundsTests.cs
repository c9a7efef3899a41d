using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// Downloads bounded by what the Hub announced (issue 19, defect 3): a body longer than the announced size is read only
/// up to it, a regular file is held to its git blob sha1 (its ETag) as LFS files are to their sha256, a trickle fails
/// after its retries instead of holding the download forever, and a full disk is not retried.
/// </summary>
public sealed class HubDownloadBoundsTests : IAsyncLifetime
{
    FakeHub _hub = null!;
    readonly TempCache _cache = new();

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();
    public async Task DisposeAsync() { await _hub.DisposeAsync(); _cache.Dispose(); }

    string Resolve(HubSettings? settings = null) => HubResolver.ResolveModel(TinyModel.Id, null, null, settings ?? _hub.Settings(_cache.Dir));

    [SkippableFact]
    public void ABodyLongerThanTheAnnouncedSizeIsReadOnlyUpToIt()
    {
        _hub.Add(TinyModel.Repo());
        _hub.LongerBody["model.safetensors"] = 32 << 20; // 32 MB after the file's bytes
        var folder = Resolve();
        Assert.Equal(TinyModel.Weights, File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(TinyModel.Weights.Length, new FileInfo(Path.Combine(_cache.Dir, "models--acme--tiny-model", "blobs", TinyModel.WeightsSha256)).Length);
    }

    [SkippableFact]
    public void ARegularFileWithWrongBytesFailsItsGitBlobSha1()
    {
        _hub.Add(TinyModel.Repo());
        _hub.Corrupt.Add("config.json"); // same size, one byte flipped: only a checksum can tell
        var e = Assert.Throws<SlotSharpException>(() => Resolve());
        Assert.Contains("config.json", e.Message);
        Assert.Contains("git blob sha1", e.Message);
    }

    [SkippableFact]
    public void ATrickleFailsAfterItsRetriesInsteadOfHoldingTheDownload()
    {
        _hub.Add(TinyModel.Repo());
        _hub.Trickle["model.safetensors"] = TimeSpan.FromMilliseconds(50); // 320 KB at 20 bytes/s
        // 20 bytes/s against a floor of 1,000 over a 0.3 s window (defaults: 1 KiB/s over 60 s).
        var settings = _hub.Settings(_cache.Dir) with { MinBytesPerSecond = 1000, TransferWindow = TimeSpan.FromMilliseconds(300) };
        var e = Assert.Throws<SlotSharpException>(() => Resolve(settings));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("failed 5 times (transfer slower than 1000 bytes/s over 0.3 s", e.Message);
    }

    [SkippableFact]
    public void AFullDiskIsNotRetriedWhileADroppedConnectionIs()
    {
        Assert.False(BlobDownload.IsTransient(new IOException("No space left on device", 28)));
        Assert.False(BlobDownload.IsTransient(new IOException("Read-only file system", 30)));
        Assert.True(BlobDownload.IsTransient(new IOException("connection closed after 5 of 10 bytes")));
        Assert.True(BlobDownload.IsTransient(new HttpRequestException("reset")));
    }
}
