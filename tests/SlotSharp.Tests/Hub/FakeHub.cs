using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// A minimal Hugging Face Hub on 127.0.0.1 (Kestrel, free port) speaking the endpoints huggingface_hub uses:
/// revision info, HEAD/GET on /resolve/ (regular files: ETag = git blob sha1; LFS files: 302 to /lfs/{sha256}
/// with X-Linked-Etag / X-Linked-Size), Range requests, and injectable faults.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public sealed record FakeFile(byte[] Content, bool Lfs)
    {
        public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));
        // git hash-object: sha1 over "blob {size}\0{content}". SHA-1 is git's object id here, not a security measure.
#pragma warning disable CA5350
        public string GitSha1 => Convert.ToHexStringLower(SHA1.HashData(
            [.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));
#pragma warning restore CA5350
        public string Etag => Lfs ? Sha256 : GitSha1;
    }

    public sealed record FakeRepo(HubRepoType Type, string Id, string Commit, Dictionary<string, FakeFile> Files)
    {
        public Dictionary<string, string> Revisions { get; } = new() { ["main"] = Commit };
        public bool Gated { get; init; }
        public HashSet<string> ListedButMissing { get; } = [];

        /// <summary>A repo holding a local model folder's files; safetensors and tokenizer.json are LFS, as on the Hub.</summary>
        public static FakeRepo FromFolder(string id, string commit, string folder) => new(HubRepoType.Model, id, commit,
            Directory.EnumerateFiles(folder).ToDictionary(f => Path.GetFileName(f), f => new FakeFile(File.ReadAllBytes(f),
                Lfs: f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith("tokenizer.json", StringComparison.Ordinal))));
    }

    public sealed record Request(string Method, string Path, string? Range, string? Authorization);

    readonly WebApplication _app;
    readonly List<FakeRepo> _repos = [];
    public ConcurrentQueue<Request> Requests { get; } = new();
    /// <summary>Files (repo path) whose next download is cut after half of its bytes, once.</summary>
    public ConcurrentDictionary<string, bool> CutOnce { get; } = new();
    /// <summary>Files (repo path) whose bytes are served with one byte flipped: same size, wrong sha256.</summary>
    public HashSet<string> Corrupt { get; } = [];
    /// <summary>Files (repo path) whose GET body runs on past the announced size: the bytes, then this many more (no Content-Length).</summary>
    public ConcurrentDictionary<string, int> LongerBody { get; } = new();
    /// <summary>Files (repo path) whose GET body comes one byte at a time, this far apart.</summary>
    public ConcurrentDictionary<string, TimeSpan> Trickle { get; } = new();
    /// <summary>Files (repo path) whose ETag (X-Linked-Etag for LFS files) is this raw header value instead.</summary>
    public ConcurrentDictionary<string, string> EtagHeader { get; } = new();
    /// <summary>When set, the X-Repo-Commit header of every file answer.</summary>
    public string? RepoCommitHeader { get; set; }
    public string AcceptedToken { get; set; } = "hf_good_token";
    public string Endpoint { get; private set; } = "";

    FakeHub(WebApplication app) => _app = app;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var hub = new FakeHub(builder.Build());
        hub._app.Run(hub.HandleAsync);
        await hub._app.StartAsync();
        hub.Endpoint = hub._app.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return hub;
    }

    public FakeRepo Add(FakeRepo repo) { _repos.Add(repo); return repo; }

    public HubSettings Settings(string cacheDir, string? token = null, bool offline = false) =>
        new(Endpoint, cacheDir, token, Path.Combine(cacheDir, "token"), offline);

    public IEnumerable<Request> Downloads => Requests.Where(r => r.Method == "GET" && !r.Path.StartsWith("/api/", StringComparison.Ordinal));

    async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!;
        var auth = ctx.Request.Headers.Authorization.FirstOrDefault();
        Requests.Enqueue(new Request(ctx.Request.Method, path, ctx.Request.Headers.Range.FirstOrDefault(), auth));

        if (path.StartsWith("/lfs/", StringComparison.Ordinal))
        {
            var (lfsPath, file, owner) = _repos.SelectMany(r => r.Files.Select(f => (f.Key, f.Value, r)))
                .FirstOrDefault(f => f.Value.Lfs && "/lfs/" + f.Value.Sha256 == path);
            if (file == null) { ctx.Response.StatusCode = 404; return; }
            await ServeBytesAsync(ctx, owner!, lfsPath, file);
            return;
        }

        var isApi = path.StartsWith("/api/", StringComparison.Ordinal);
        var rest = isApi ? path["/api/".Length..] : path.TrimStart('/');
        var type = HubRepoType.Model;
        if (isApi && rest.StartsWith("models/", StringComparison.Ordinal)) rest = rest["models/".Length..];
        else if (rest.StartsWith("datasets/", StringComparison.Ordinal)) { type = HubRepoType.Dataset; rest = rest["datasets/".Length..]; }

        var parts = rest.Split('/');
        var repo = parts.Length >= 4 ? _repos.FirstOrDefault(r => r.Type == type && r.Id == $"{parts[0]}/{parts[1]}") : null;
        if (repo == null) { Fail(ctx, 404, "RepoNotFound"); return; }
        if (repo.Gated && auth != $"Bearer {AcceptedToken}") { Fail(ctx, 401, "GatedRepo"); return; }
        var revision = Uri.UnescapeDataString(parts[3]);
        var commit = repo.Revisions.GetValueOrDefault(revision) ?? (repo.Revisions.ContainsValue(revision) ? revision : null);
        if (commit == null) { Fail(ctx, 404, "RevisionNotFound"); return; }

        if (isApi && parts[2] == "revision")
        {
            var siblings = repo.Files.Keys.Concat(repo.ListedButMissing).Select(f => new { rfilename = f });
            await ctx.Response.WriteAsJsonAsync(new { id = repo.Id, sha = commit, siblings });
            return;
        }
        if (parts[2] != "resolve") { ctx.Response.StatusCode = 404; return; }
        var repoPath = string.Join('/', parts[4..]);
        if (!repo.Files.TryGetValue(repoPath, out var fileInRepo)) { Fail(ctx, 404, "EntryNotFound"); return; }

        ctx.Response.Headers["X-Repo-Commit"] = RepoCommitHeader ?? commit;
        var etagHeader = EtagHeader.GetValueOrDefault(repoPath);
        if (fileInRepo.Lfs)
        {
            // What huggingface.co does for LFS files: redirect to the CDN, describing the target in X-Linked-*.
            ctx.Response.Headers["X-Linked-Etag"] = etagHeader ?? $"\"{fileInRepo.Sha256}\"";
            ctx.Response.Headers["X-Linked-Size"] = fileInRepo.Content.Length.ToString();
            ctx.Response.Headers.ETag = "\"some-other-etag\"";
            ctx.Response.Redirect($"{Endpoint}/lfs/{fileInRepo.Sha256}");
            return;
        }
        ctx.Response.Headers.ETag = etagHeader ?? $"\"{fileInRepo.GitSha1}\"";
        await ServeBytesAsync(ctx, repo, repoPath, fileInRepo);
    }

    async Task ServeBytesAsync(HttpContext ctx, FakeRepo repo, string repoPath, FakeFile file)
    {
        var bytes = file.Content;
        if (Corrupt.Contains(repoPath)) { bytes = (byte[])bytes.Clone(); bytes[bytes.Length / 2] ^= 0xFF; }
        var from = 0;
        var range = ctx.Request.Headers.Range.FirstOrDefault();
        if (range != null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = int.Parse(range["bytes=".Length..^1]);
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        ctx.Response.ContentLength = bytes.Length - from;
        if (HttpMethods.IsHead(ctx.Request.Method)) return;
        if (LongerBody.TryGetValue(repoPath, out int extra))
        {
            ctx.Response.ContentLength = null; // chunked: nothing on the wire says where the file ends
            await ctx.Response.Body.WriteAsync(bytes.AsMemory(from));
            var junk = new byte[64 << 10];
            try
            {
                for (int sent = 0; sent < extra; sent += junk.Length) await ctx.Response.Body.WriteAsync(junk.AsMemory(0, Math.Min(junk.Length, extra - sent)), ctx.RequestAborted);
            }
            catch (OperationCanceledException) { } // the client stopped reading, as it should
            return;
        }
        if (Trickle.TryGetValue(repoPath, out var gap))
        {
            try
            {
                for (int i = from; i < bytes.Length; i++)
                {
                    await ctx.Response.Body.WriteAsync(bytes.AsMemory(i, 1), ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    await Task.Delay(gap, ctx.RequestAborted);
                }
            }
            catch (OperationCanceledException) { }
            return;
        }
        if (CutOnce.TryRemove(repoPath, out _))
        {
            // Send half of what was promised, then drop the connection: the client sees a truncated body.
            await ctx.Response.Body.WriteAsync(bytes.AsMemory(from, (bytes.Length - from) / 2));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(bytes.AsMemory(from));
    }

    static void Fail(HttpContext ctx, int status, string errorCode)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-Error-Code"] = errorCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
