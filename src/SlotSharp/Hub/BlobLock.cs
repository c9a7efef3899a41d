using SlotSharp.IO;

namespace SlotSharp.Hub;

/// <summary>
/// The per-blob lock file huggingface_hub takes (.locks/{repo}/{etag}.lock), with the same flock(LOCK_EX) its
/// filelock takes, so that two processes (Python included) never write one blob at once.
/// </summary>
internal static class BlobLock
{
    public static async Task<IDisposable> AcquireAsync(string lockPath, CancellationToken ct)
    {
        // Only "held by another download of the same blob" is waited out; a folder that cannot be written throws.
        while (true)
        {
            if (ExclusiveFileLock.TryAcquire(lockPath) is { } held) return held;
            await Task.Delay(100, ct);
        }
    }
}
