using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SlotSharp.IO;

namespace SlotSharp.Hub;

/// <summary>
/// Fetches one blob into the cache: blobs/{etag}.incomplete grows (resuming with HTTP Range after an
/// interruption) up to the announced size and no further, is checked for size and checksum (sha256 for LFS files,
/// the git blob sha1 for the others, each the file's ETag), and only then is renamed to blobs/{etag}. A transfer
/// slower than the settings' minimum rate counts as dropped; a full disk is not retried.
/// </summary>
internal static partial class BlobDownload
{
    const int MaxAttempts = 5;
    const int ReportEveryBytes = 1 << 20;

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
        var window = http.Settings.TransferWindow;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(window);
        try
        {
            await ReceiveAsync(http, incomplete, path, meta, repo, progress, have, stall, ct);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new IOException(FormattableString.Invariant($"no data received for {window.TotalSeconds:0.###} s"), e);
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
        var window = http.Settings.TransferWindow;
        long minimum = (long)(http.Settings.MinBytesPerSecond * window.TotalSeconds), inWindow = 0;
        var windowClock = System.Diagnostics.Stopwatch.StartNew();
        int read;
        // Never past the announced size: a body longer than it is not written (the checksum then judges the bytes).
        while (have < meta.Size && (read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, meta.Size - have)), stall.Token)) > 0)
        {
            stall.CancelAfter(window);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            have += read;
            inWindow += read;
            if (windowClock.Elapsed >= window)
            {
                // A trickle resets the silence timer with every byte; the rate over the window catches it.
                if (inWindow < minimum)
                    throw new IOException(FormattableString.Invariant($"transfer slower than {http.Settings.MinBytesPerSecond} bytes/s over {window.TotalSeconds:0.###} s ({inWindow} bytes)"));
                inWindow = 0;
                windowClock.Restart();
            }
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
        // LFS files are named by their sha256, the others by their git blob sha1: either name is a checksum we can
        // hold the bytes to.
        string kind, actual;
        if (Sha256Pattern().IsMatch(meta.Etag))
        {
            kind = "sha256";
            using var stream = File.OpenRead(incomplete);
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        else if (Sha1Pattern().IsMatch(meta.Etag))
        {
            kind = "git blob sha1";
            actual = GitBlobSha1(incomplete, size);
        }
        else return;
        if (actual == meta.Etag) return;
        File.Delete(incomplete);
        throw new SlotSharpException($"file '{path}' of {repo} failed its checksum: {kind} {actual} but the Hub announced " +
                                     $"{meta.Etag}; the download was discarded, run again");
    }

    /// <summary>git hash-object: sha1 over "blob {size}\0" and the bytes. SHA-1 is git's object id here, not a security measure.</summary>
    static string GitBlobSha1(string file, long size)
    {
#pragma warning disable CA5350
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
        sha1.AppendData(System.Text.Encoding.ASCII.GetBytes($"blob {size}\0"));
        using var stream = File.OpenRead(file);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0) sha1.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>Retried: a dropped or slow connection. Not retried: a full disk, a read-only file system or quota, which the next attempt would hit again.</summary>
    internal static bool IsTransient(Exception e) => e is IOException io ? !IoErrors.IsStorageRefusal(io) : e is HttpRequestException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex Sha1Pattern();
}
