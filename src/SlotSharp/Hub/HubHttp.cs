using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SlotSharp.Hub;

/// <summary>What a HEAD on /resolve/ tells us about one file (huggingface_hub's HfFileMetadata).</summary>
internal sealed record HubFileMetadata(string Commit, string Etag, long Size, Uri DownloadUrl);

/// <summary>The two Hub endpoints a download needs: revision info (sha + file list) and /resolve/ for files.</summary>
internal sealed class HubHttp : IDisposable
{
    const int MaxRedirects = 10;
    readonly HttpClient _http;
    readonly HubSettings _settings;
    readonly Uri _endpoint;

    public HubHttp(HubSettings settings)
    {
        _settings = settings;
        _endpoint = new Uri(settings.Endpoint + "/");
        // Redirects are followed by hand: HEAD must stop at the LFS redirect to read X-Linked-* headers, and the
        // token must only ever travel to the Hub endpoint, never to the CDN a redirect points at.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("slotsharp/0.1 (huggingface_hub-compatible)");
    }

    public HubSettings Settings => _settings;

    /// <summary>GET {endpoint}/api/{models|datasets}/{repo}/revision/{revision}: the commit sha and file list.</summary>
    public async Task<(string Commit, IReadOnlyList<string> Files)> GetRevisionInfoAsync(
        HubRepoId repo, string revision, CancellationToken ct)
    {
        var url = new Uri(_endpoint, $"{repo.ApiPath}/revision/{Uri.EscapeDataString(revision)}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await SendAsync(HttpMethod.Get, url, followAbsolute: true, null,
            HttpCompletionOption.ResponseContentRead, timeout.Token);
        if (!response.IsSuccessStatusCode) throw HubErrors.FromStatus(response, repo, revision, null, _settings);
        var body = await response.Content.ReadAsStringAsync(ct);
        SlotSharpException Bad(string what) =>
            new($"the answer of {_settings.Endpoint} for {repo} revision '{revision}' {what}; is the endpoint a Hugging Face Hub?");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException) { throw Bad("is not JSON"); }
        using var _ = doc;
        var root = doc.RootElement;
        // sha names snapshots/{sha}/ and each rfilename a path under it (HubCacheRepo checks those paths).
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("sha", out var sha)
            || sha.ValueKind != JsonValueKind.String || !HubCacheRepo.IsCommitHash(sha.GetString()!))
            throw Bad("has no 40-hex-digit commit 'sha'");
        var files = new List<string>();
        if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
            foreach (var sibling in siblings.EnumerateArray())
                files.Add(sibling.ValueKind == JsonValueKind.Object && sibling.TryGetProperty("rfilename", out var name)
                          && name.ValueKind == JsonValueKind.String ? name.GetString()! : throw Bad("lists a file without an 'rfilename'"));
        return (sha.GetString()!, files);
    }

    /// <summary>URL of a file: {endpoint}/[datasets/]{repo}/resolve/{revision}/{path}.</summary>
    public Uri ResolveUrl(HubRepoId repo, string revision, string path) =>
        new(_endpoint, $"{repo.ResolvePath}/resolve/{Uri.EscapeDataString(revision)}/" +
                       string.Join('/', path.Split('/').Select(Uri.EscapeDataString)));

    /// <summary>
    /// HEAD on /resolve/ (huggingface_hub.get_hf_file_metadata): relative redirects (renamed repos) are followed,
    /// an absolute one is the LFS/CDN location and becomes the download URL; headers come from the last answer.
    /// </summary>
    public async Task<HubFileMetadata> HeadAsync(HubRepoId repo, string commit, string path, CancellationToken ct)
    {
        var url = ResolveUrl(repo, commit, path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await SendAsync(HttpMethod.Head, url, followAbsolute: false,
            r => r.Headers.AcceptEncoding.ParseAdd("identity"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var redirected = (int)response.StatusCode is >= 300 and < 400;
        if (!response.IsSuccessStatusCode && !redirected) throw HubErrors.FromStatus(response, repo, commit, path, _settings);

        // The blob name becomes a file name under blobs/ and .locks/: only the Hub's hash forms are accepted.
        var (etagHeader, rawEtag) = Header(response, "X-Linked-Etag") is { } linked ? ("X-Linked-Etag", linked)
            : Header(response, "ETag") is { } plain ? ("ETag", plain)
            : throw new SlotSharpException($"the Hub sent no ETag for file '{path}' of {repo}; cannot cache it");
        var etag = NormalizeEtag(rawEtag);
        if (!HubCacheRepo.IsBlobName(etag))
            throw HubErrors.UnsafeHeader(repo, path, etagHeader, rawEtag, "a git sha1 (40 hex digits) or sha256 (64 hex digits)", _settings);
        var repoCommit = Header(response, "X-Repo-Commit");
        if (repoCommit != null && !HubCacheRepo.IsCommitHash(repoCommit))
            throw HubErrors.UnsafeHeader(repo, path, "X-Repo-Commit", repoCommit, "a commit hash (40 hex digits)", _settings);
        var sizeText = Header(response, "X-Linked-Size")
            ?? (redirected ? null : response.Content.Headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!long.TryParse(sizeText, out var size))
            throw new SlotSharpException($"the Hub sent no size for file '{path}' of {repo}");
        var downloadUrl = redirected ? new Uri(response.RequestMessage!.RequestUri!, response.Headers.Location!) : response.RequestMessage!.RequestUri!;
        return new HubFileMetadata(repoCommit ?? commit, etag, size, downloadUrl);
    }

    /// <summary>GET with an optional Range, following every redirect (the token is dropped off the Hub host).</summary>
    public Task<HttpResponseMessage> GetAsync(Uri url, long fromByte, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, url, followAbsolute: true,
            r => { if (fromByte > 0) r.Headers.Range = new RangeHeaderValue(fromByte, null); },
            HttpCompletionOption.ResponseHeadersRead, ct);

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, bool followAbsolute,
        Action<HttpRequestMessage>? configure, HttpCompletionOption completion, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            configure?.Invoke(request);
            if (_settings.Token != null && IsHubHost(url))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _settings.Token);
            var response = await _http.SendAsync(request, completion, ct);
            var location = response.Headers.Location;
            if ((int)response.StatusCode is < 300 or >= 400 || location == null || hop >= MaxRedirects) return response;
            if (!followAbsolute && location.IsAbsoluteUri) return response;
            url = new Uri(url, location);
            response.Dispose();
        }
    }

    bool IsHubHost(Uri url) => Uri.Compare(url, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped,
        StringComparison.OrdinalIgnoreCase) == 0;

    static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault()
        : r.Content.Headers.TryGetValues(name, out var c) ? c.FirstOrDefault() : null;

    /// <summary>huggingface_hub._normalize_etag: drop a weak "W/" prefix and the quotes.</summary>
    internal static string NormalizeEtag(string etag)
    {
        if (etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        return etag.Trim('"');
    }

    public void Dispose() => _http.Dispose();
}
