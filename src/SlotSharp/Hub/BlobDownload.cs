using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SlotSharp.Hub;

/// <summary>
/// Fetches one blob into the cache: blobs/{etag}.incomplete grows (resuming with HTTP Range after an
/// interruption), is checked for size and, for LFS files, sha256, and only then is renamed to blobs/{etag}.
/// </summary>
internal static partial class BlobDownload
{
    const int MaxAttempts = 5;
    const int ReportEveryBytes = 1 << 20;
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    public static async Task FetchAsync(HubHttp http, HubCacheRepo cache, string path, HubFileMetadata meta,
        IProgress<HubProgress>? progress, CancellationToken ct)
    {
        var incomplete = cache.IncompletePath(meta.Etag);
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AppendMissingBytesAsync(http, incomplete, path, meta, cache.Repo, progress, ct);
                break;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e) && !ct.IsCancellationRequested)
            {
                // The partial file stays: the next attempt asks only for the bytes after it.
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), ct);
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                throw new SlotSharpException($"downloading file '{path}' of {cache.Repo} failed {MaxAttempts} times " +
                    $"({e.Message}); run again to resume from {LinkedFile.Size(incomplete) ?? 0} bytes", e);
            }
        }
        Verify(incomplete, path, meta, cache.Repo);
        File.Move(incomplete, cache.BlobPath(meta.Etag), overwrite: true);
    }

    static async Task AppendMissingBytesAsync(HubHttp http, string incomplete, string path, HubFileMetadata meta,
        HubRepoId repo, IProgress<HubProgress>? progress, CancellationToken ct)
    {
        var have = LinkedFile.Size(incomplete) ?? 0;
        if (have > meta.Size) { File.Delete(incomplete); have = 0; }
        if (have == meta.Size && have > 0) return;

        // A connection that stops delivering bytes counts as dropped (and is resumed), as with Python's read timeout.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(StallTimeout);
        try
        {
            await ReceiveAsync(http, incomplete, path, meta, repo, progress, have, stall, ct);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"no data received for {StallTimeout.TotalSeconds:F0} s", e);
        }
    }

    static async Task ReceiveAsync(HubHttp http, string incomplete, string path, HubFileMetadata meta, HubRepoId repo,
        IProgress<HubProgress>? progress, long have, CancellationTokenSource stall, CancellationToken ct)
    {
        using var response = await http.GetAsync(meta.DownloadUrl, have, stall.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(incomplete); // our prefix does not match the server's file: start over
            throw new HttpRequestException("the server refused to resume; restarting from byte 0");
        }
        if (!response.IsSuccessStatusCode)
            throw HubErrors.FromStatus(response, repo, meta.Commit, path, http.Settings);
        // 206 continues our prefix; a plain 200 means the server ignored Range and sends everything again.
        var resumed = response.StatusCode == HttpStatusCode.PartialContent
                      && response.Content.Headers.ContentRange?.From == have;
        if (!resumed) have = 0;

        await using var file = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write,
            FileShare.None, bufferSize: 1 << 16);
        await using var body = await response.Content.ReadAsStreamAsync(stall.Token);
        var buffer = new byte[1 << 16];
        long sinceReport = 0;
        progress?.Report(new HubProgress(repo.Id, path, have, meta.Size, HubFileStatus.Downloading));
        int read;
        while ((read = await body.ReadAsync(buffer, stall.Token)) > 0)
        {
            stall.CancelAfter(StallTimeout);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            have += read;
            sinceReport += read;
            if (sinceReport >= ReportEveryBytes)
            {
                sinceReport = 0;
                progress?.Report(new HubProgress(repo.Id, path, have, meta.Size, HubFileStatus.Downloading));
            }
        }
        // A connection closed early without an error still leaves a short file: retry for the rest.
        if (have < meta.Size) throw new IOException($"connection closed after {have} of {meta.Size} bytes");
    }

    static void Verify(string incomplete, string path, HubFileMetadata meta, HubRepoId repo)
    {
        var size = LinkedFile.Size(incomplete) ?? 0;
        if (size != meta.Size)
        {
            File.Delete(incomplete);
            throw new SlotSharpException($"file '{path}' of {repo} has {size} bytes but the Hub announced {meta.Size}; " +
                                         "the download was discarded, run again");
        }
        // LFS files are named by their sha256, so the name is a checksum we can hold the bytes to.
        if (!Sha256Pattern().IsMatch(meta.Etag)) return;
        string actual;
        using (var stream = File.OpenRead(incomplete)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual == meta.Etag) return;
        File.Delete(incomplete);
        throw new SlotSharpException($"file '{path}' of {repo} failed its checksum: sha256 {actual} but the Hub announced " +
                                     $"{meta.Etag}; the download was discarded, run again");
    }

    static bool IsTransient(Exception e) => e is IOException or HttpRequestException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
