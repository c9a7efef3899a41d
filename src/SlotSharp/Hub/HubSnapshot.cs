namespace SlotSharp.Hub;

/// <summary>
/// A repository pinned to one commit, with its local snapshot folder and the files the Hub lists for it
/// (or, when resolved from the cache only, the files already in the snapshot).
/// </summary>
public sealed record HubSnapshot(HubRepoId Repo, string Revision, string Commit, string Folder,
    IReadOnlyList<string> Files, bool FromCacheOnly);
