using SlotSharp.IO;

namespace SlotSharp.Evaluation;

/// <summary>
/// Held on an output folder for a run's lifetime: two runs appending to the same journals interleave their lines
/// and corrupt them, so a second run on a folder in use is refused. The OS drops the lock of a crashed run.
/// </summary>
static class EvalOutputLock
{
    public static IDisposable Acquire(string outputDirectory)
    {
        var path = EvalOutputPaths.LockFile(outputDirectory);
        ExclusiveFileLock? held;
        try { held = ExclusiveFileLock.TryAcquire(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlotSharpException($"cannot write to the output folder '{outputDirectory}' ({e.Message})", e);
        }
        return held ?? throw new SlotSharpException(
            $"the output folder '{outputDirectory}' is in use by another evaluation run (it holds {path}); " +
            "wait for that run to finish or choose another output folder");
    }
}
