namespace SlotSharp.Hub;

/// <summary>
/// The per-blob lock file huggingface_hub takes (.locks/{repo}/{etag}.lock). On Unix .NET opens FileShare.None
/// files with flock(LOCK_EX), the same lock Python's filelock takes, so the two tools never write one blob at once.
/// </summary>
internal static class BlobLock
{
    public static async Task<IDisposable> AcquireAsync(string lockPath, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(100, ct); // held by another download of the same blob
            }
        }
    }
}
