using System.Runtime;

namespace SlotSharp.Server;

/// <summary>
/// Gives the memory of large bodies back to the operating system once their requests end (issue 19, defect 2: three
/// refused 46 MB bodies left the server 4.3 GB larger for good). A body is one array on the large-object heap; the
/// GC frees it only at a full collection, which an idle server may not run for hours, and keeps the pages committed
/// even then. So the end of a request that read a large body schedules one aggressive collection (compacting,
/// decommitting): half a second later, so that concurrent large requests share it, and one at a time. The server's
/// managed heap is small (weights live in native memory), so it costs milliseconds.
/// </summary>
internal static class BodyMemory
{
    /// <summary>Bodies from this size on schedule the collection; smaller ones are ordinary garbage.</summary>
    public const int LargeBodyBytes = 4 << 20;

    static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);
    static int _scheduled;

    /// <summary>Schedules the collection unless one is already pending (it will cover this body too).</summary>
    public static void ReleaseSoon()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            await Task.Delay(Delay).ConfigureAwait(false);
            Volatile.Write(ref _scheduled, 0); // a body that ends from now on schedules the next one
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        });
    }
}
