namespace SlotSharp.Gguf;

/// <summary>
/// Where the converter writes before the output exists: a unique hidden file beside it (same folder, so the final
/// rename is atomic and on the same file system). A fixed name such as OUTPUT.unquantized.gguf once deleted a user's
/// file of that name (issue 19, defect 4); a random one cannot be anyone's.
/// </summary>
internal static class StagedOutput
{
    public static string Beside(string outputPath, string role)
    {
        var full = Path.GetFullPath(outputPath);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{role}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>Moves the finished file into place; refuses an existing output unless <paramref name="overwrite"/>.</summary>
    public static void Publish(string staged, string outputPath, bool overwrite)
    {
        try { File.Move(staged, outputPath, overwrite); }
        catch (IOException) when (!overwrite && File.Exists(outputPath))
        {
            throw new SlotSharpException($"{outputPath} already exists; it was left as it was");
        }
    }

    public static void Delete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { } // the original error is the one to report
        catch (UnauthorizedAccessException) { }
    }
}
