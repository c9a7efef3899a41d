namespace SlotSharp.Hub;

public enum HubFileStatus
{
    /// <summary>Already in the cache: nothing was downloaded.</summary>
    Cached,
    /// <summary>Bytes are arriving (BytesDone counts a resumed prefix too).</summary>
    Downloading,
    /// <summary>Downloaded, verified and linked into the snapshot.</summary>
    Completed,
}

/// <summary>One progress report for one file of a repository; reported from worker threads.</summary>
public readonly record struct HubProgress(string Repo, string File, long BytesDone, long? BytesTotal, HubFileStatus Status);
