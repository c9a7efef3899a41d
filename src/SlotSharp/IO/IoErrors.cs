namespace SlotSharp.IO;

/// <summary>
/// Unix errno values, which .NET puts in IOException.HResult for errors it has no specific type for, and the one
/// question several places ask of them: is the storage itself refusing writes (a retry would hit it again)?
/// </summary>
internal static class IoErrors
{
    public const int Enotdir = 20, Eisdir = 21, Enospc = 28, Erofs = 30, Edquot = 122;

    /// <summary>A full disk, a read-only file system or an exhausted quota.</summary>
    public static bool IsStorageRefusal(IOException e) => e.HResult is Enospc or Erofs or Edquot;
}
