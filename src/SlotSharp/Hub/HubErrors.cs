using System.Net;

namespace SlotSharp.Hub;

/// <summary>Turns Hub HTTP failures into messages that say what to do, naming the repo, revision and file.</summary>
internal static class HubErrors
{
    public static SlotSharpException FromStatus(HttpResponseMessage response, HubRepoId repo, string revision,
        string? file, HubSettings settings)
    {
        var code = (int)response.StatusCode;
        // The Hub explains 401/404 in X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
        var errorCode = response.Headers.TryGetValues("X-Error-Code", out var v) ? v.FirstOrDefault() : null;
        var what = file == null ? $"{repo} at revision '{revision}'" : $"file '{file}' of {repo} at revision '{revision}'";

        if (errorCode == "EntryNotFound" || (response.StatusCode == HttpStatusCode.NotFound && file != null && errorCode == null))
            return new SlotSharpException($"{what} was not found on {settings.Endpoint} (HTTP {code})");
        if (errorCode == "RevisionNotFound")
            return new SlotSharpException($"revision '{revision}' of {repo} was not found on {settings.Endpoint} (HTTP {code})");
        // The Hub answers 401 + RepoNotFound to anonymous requests for missing and for private repos alike.
        if (response.StatusCode == HttpStatusCode.NotFound || errorCode == "RepoNotFound")
            return new SlotSharpException($"{repo} (revision '{revision}') was not found on {settings.Endpoint} (HTTP {code}); " +
                "check the id; if it is private or gated, set HF_TOKEN=hf_... or run `huggingface-cli login`");
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || errorCode is "GatedRepo")
            return new SlotSharpException(AccessDenied(repo, code, errorCode, settings));
        return new SlotSharpException($"the Hub answered HTTP {code} {response.ReasonPhrase} for {what}");
    }

    static string AccessDenied(HubRepoId repo, int code, string? errorCode, HubSettings settings)
    {
        var why = errorCode == "GatedRepo" ? "is gated" : "is gated or private";
        var tokenState = settings.Token == null
            ? $"no token was found: set HF_TOKEN=hf_... or run `huggingface-cli login` (which writes {settings.TokenFile})"
            : "the token in use (HF_TOKEN or " + settings.TokenFile + ") was refused: check that it is valid and that your account has been granted access";
        return $"access to {repo} was denied (HTTP {code}): the repository {why}; accept its terms on " +
               $"{settings.Endpoint}/{repo.ResolvePath} if it is gated; {tokenState}";
    }

    /// <summary>A header whose value would become a cache path but is not in the form the Hub uses.</summary>
    public static SlotSharpException UnsafeHeader(HubRepoId repo, string file, string header, string value,
        string expected, HubSettings settings) =>
        new($"refusing file '{file}' of {repo}: {settings.Endpoint} sent {header} '{HubCacheRepo.Shorten(value)}', " +
            $"which is not {expected}; nothing was written (is the endpoint a Hugging Face Hub?)");

    /// <summary>A file system failure while writing the cache, naming the folder and where it was configured.</summary>
    public static SlotSharpException CacheNotWritable(HubSettings settings, Exception inner)
    {
        var origin = settings.CacheDirVariable is { } variable ? $" (from {variable})" : "";
        return new($"cannot write to the Hugging Face cache {settings.CacheDir}{origin}: {inner.Message}; make it " +
                   "writable, or point HF_HUB_CACHE (or HF_HOME) at a writable folder", inner);
    }

    public static SlotSharpException Unreachable(HubRepoId repo, string revision, HubSettings settings, Exception inner) =>
        new($"cannot reach {settings.Endpoint} to resolve {repo} at revision '{revision}' and it is not in the cache " +
            $"{settings.CacheDir} ({inner.Message})", inner);

    public static SlotSharpException NotCachedOffline(HubRepoId repo, string revision, HubSettings settings, string? file = null) =>
        new($"offline mode (HF_HUB_OFFLINE=1): {(file == null ? "" : $"file '{file}' of ")}{repo} at revision '{revision}' " +
            $"is not in the cache {settings.CacheDir}; download it once while online (e.g. `slot download {repo.Id}{(repo.Type == HubRepoType.Dataset ? " --repo-type dataset" : "")}`)");
}
