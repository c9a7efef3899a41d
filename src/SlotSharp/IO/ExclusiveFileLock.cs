namespace SlotSharp.IO;

/// <summary>
/// An exclusive lock on a lock file, held while this object lives. On Unix .NET opens FileShare.None files with
/// flock(LOCK_EX | LOCK_NB), the lock Python's filelock takes; it belongs to the open file, so the OS releases it
/// when the process dies and a crashed run never leaves a stale lock behind. The file itself stays (deleting it
/// would let a third process lock a new file of the same name while a second one still holds the old one).
/// </summary>
internal sealed class ExclusiveFileLock : IDisposable
{
    // How a failed non-blocking lock surfaces: Windows' sharing/lock violations; EWOULDBLOCK (Linux 11, macOS 35).
    const int WindowsSharingViolation = unchecked((int)0x80070020);
    const int WindowsLockViolation = unchecked((int)0x80070021);
    static readonly int UnixWouldBlock = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 35 : 11;

    readonly FileStream _stream;

    public string Path { get; }

    ExclusiveFileLock(string path, FileStream stream) { Path = path; _stream = stream; }

    /// <summary>
    /// Takes the lock, creating the file and its folder when needed; null when another process (or another
    /// handle in this one) holds it. Other failures (no permission, read-only file system) are thrown.
    /// </summary>
    public static ExclusiveFileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            return new ExclusiveFileLock(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return null;
        }
    }

    static bool IsHeldElsewhere(IOException e) =>
        e.HResult is WindowsSharingViolation or WindowsLockViolation || (!OperatingSystem.IsWindows() && e.HResult == UnixWouldBlock);

    public void Dispose() => _stream.Dispose();
}
