using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SlotSharp.Server;

/// <summary>
/// Checks made before any route runs, each answered with an OpenAI-shaped error: the Host header (a DNS-rebinding
/// page reaching a loopback server names its own host: 400), the Origin header (a browser page calling from another
/// site: 403 unless allowed), the API key on /v1/* and the tokenizer routes (401), the body size (413) and type (415)
/// of POSTs.
/// </summary>
internal sealed class RequestGuards(IReadOnlyList<ListenAddress> addresses, ServeSettings settings)
{
    readonly byte[]? _key = settings.ApiKey is { } k ? KeyDigest("Bearer " + k) : null;
    readonly HashSet<string>? _hosts = AllowedHosts(addresses);

    /// <summary>Host names a request may carry; null when bound to every interface (any name may reach it).</summary>
    static HashSet<string>? AllowedHosts(IReadOnlyList<ListenAddress> addresses)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var a in addresses)
        {
            if (a.Ip != null && (a.Ip.Equals(IPAddress.Any) || a.Ip.Equals(IPAddress.IPv6Any))) return null;
            if (a.IsLocalhost || IPAddress.IsLoopback(a.Ip!)) hosts.UnionWith(["localhost", "127.0.0.1", "::1"]);
            if (a.Ip != null) hosts.Add(a.Ip.ToString());
        }
        return hosts;
    }

    public async Task Invoke(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var host = request.Host.Host.Trim('[', ']');
        if (_hosts != null && !_hosts.Contains(host))
        {
            await ApiError.Write(context, 400, $"the Host header '{request.Host}' does not name this server's address", code: "invalid_host");
            return;
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (!settings.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                await ApiError.Write(context, 403, $"cross-origin requests from '{origin}' are not allowed (the server's allowed origins)", code: "origin_not_allowed");
                return;
            }
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.Vary = "Origin";
            if (HttpMethods.IsOptions(request.Method)) // a preflight
            {
                context.Response.Headers.AccessControlAllowMethods = "GET, POST";
                context.Response.Headers.AccessControlAllowHeaders = "authorization, content-type";
                context.Response.StatusCode = 204;
                return;
            }
        }
        if (_key != null && NeedsKey(request.Path) && !KeyMatches(request.Headers.Authorization.ToString()))
        {
            await ApiError.Write(context, 401, "missing or wrong API key: send 'Authorization: Bearer KEY'", code: "invalid_api_key");
            return;
        }
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.ContentLength > settings.MaxBodyBytes)
            {
                await ApiError.Write(context, 413, $"the body ({request.ContentLength} bytes) is larger than the server's limit of {settings.MaxBodyBytes} bytes");
                return;
            }
            if (!IsJson(request.ContentType))
            {
                await ApiError.Write(context, 415, $"the body must be application/json, got '{request.ContentType}'");
                return;
            }
        }
        await next(context);
    }

    /// <summary>/v1/* and the tokenizer routes (they expose the model's tokenizer and chat template); /health and /metrics stay open.</summary>
    static bool NeedsKey(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments("/tokenize") || path.StartsWithSegments("/detokenize")
        || path.StartsWithSegments("/tokenizer_info");

    // Digests of both sides, compared in constant time: equal lengths whatever was sent, so neither the key's
    // contents nor its length shows in the time a refusal takes.
    bool KeyMatches(string authorization) => CryptographicOperations.FixedTimeEquals(KeyDigest(authorization), _key);

    /// <summary>What is compared: the SHA-256 of the header's UTF-8 bytes, 32 bytes for any key or header.</summary>
    internal static byte[] KeyDigest(string authorization) => SHA256.HashData(Encoding.UTF8.GetBytes(authorization));

    static bool IsJson(string? contentType) =>
        contentType != null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
