using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace SlotSharp.Server;

/// <summary>
/// The server's per-request record: the status every response ended with, whatever path it took (a guard's refusal,
/// a route's answer, an exception, a client that left), the tokens it used, and the access log line
/// (<see cref="ServeSettings.AccessLog"/>). Never a body, a query string or a header.
/// </summary>
internal static class AccessLog
{
    const string TokensKey = "slot.tokens";
    const string StatusKey = "slot.status";

    sealed class Tokens
    {
        public long Prompt;
        public long Generated;
    }

    /// <summary>Adds a finished generation's tokens to the request's count.</summary>
    public static void AddTokens(HttpContext context, int prompt, int generated)
    {
        if (context.Items[TokensKey] is not Tokens t) context.Items[TokensKey] = t = new Tokens();
        t.Prompt += prompt;
        t.Generated += generated;
    }

    /// <summary>The status to record when it differs from the one sent (499: the client left, perhaps mid-stream).</summary>
    public static void SetStatus(HttpContext context, int status) => context.Items[StatusKey] = status;

    public static int StatusOf(HttpContext context) => context.Items[StatusKey] as int? ?? context.Response.StatusCode;

    /// <summary>The metrics' route label: the route a path names, "other" for anything else (404s included).</summary>
    public static string RouteOf(PathString path) => path.Value switch
    {
        "/v1/chat/completions" => "chat",
        "/v1/completions" => "completions",
        "/v1/generate" => "generate",
        "/v1/models" => "models",
        "/tokenize" => "tokenize",
        "/detokenize" => "detokenize",
        "/tokenizer_info" => "tokenizer_info",
        "/health" => "health",
        "/metrics" => "metrics",
        _ => "other",
    };

    /// <summary>"POST /v1/completions 200 prompt_tokens=3 completion_tokens=16 12.5 ms".</summary>
    public static string Line(HttpContext context, int status, TimeSpan elapsed)
    {
        var t = context.Items[TokensKey] as Tokens;
        // The path as routed (no query string); control characters cannot forge a second line.
        var path = new string([.. context.Request.Path.ToString().Select(c => char.IsControl(c) ? '?' : c)]);
        return string.Create(CultureInfo.InvariantCulture,
            $"{context.Request.Method} {path} {status} prompt_tokens={t?.Prompt ?? 0} completion_tokens={t?.Generated ?? 0} {elapsed.TotalMilliseconds:F1} ms");
    }
}
