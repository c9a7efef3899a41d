using SlotSharp.IO;

namespace SlotSharp.Tests.IO;

public sealed class ExclusiveFileLockTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [SkippableFact]
    public void SecondAcquire_WhileHeld_IsNull_ThenSucceedsAfterRelease()
    {
        var path = Path.Combine(_dir, "sub", "x.lock");
        using (var first = ExclusiveFileLock.TryAcquire(path))
        {
            Assert.NotNull(first);
            Assert.Null(ExclusiveFileLock.TryAcquire(path));
        }
        using var again = ExclusiveFileLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [SkippableFact]
    public void UnwritableFolder_Throws_InsteadOfLookingHeld()
    {
        // A regular file where the folder should be: fails for root too, unlike permission bits.
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        Assert.ThrowsAny<IOException>(() => ExclusiveFileLock.TryAcquire(Path.Combine(file, "x.lock")));
    }
}
