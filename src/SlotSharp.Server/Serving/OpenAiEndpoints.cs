using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using SlotSharp.Engine;

namespace SlotSharp.Server;

/// <summary>
/// GET /v1/models, POST /v1/chat/completions and POST /v1/completions, shaped as OpenAI's API (docs/serving.md).
/// Refusals are thrown as <see cref="ApiError"/> (or library exceptions) for <see cref="SlotServer"/> to answer.
/// </summary>
internal sealed class OpenAiEndpoints(SlotEngine engine, RequestBuilder requests, ServeSettings settings, ServerMetrics metrics, Func<PromptBounds> bounds)
{
    readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public string ServedName => settings.ServedModelName ?? engine.Model.ModelId;

    /// <summary>The 429 message: a full engine queue.</summary>
    public static string BusyMessage(Exception e) => $"the server is busy: {e.Message}; retry later";

    public IResult Models() => Results.Content(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject
        {
            ["id"] = ServedName, ["object"] = "model", ["created"] = _created, ["owned_by"] = "slotsharp",
            ["max_model_len"] = engine.Model.ContextLength,
        }),
    }.ToJsonString(), "application/json");

    public async Task Complete(HttpContext context, bool chat)
    {
        // Bounded before parsing, rendered and tokenized under the request's cancellation (issue 19, defect 2).
        var request = CompletionRequest.Parse(await ReadBody(context, bounds()), chat, requests, settings, ServedName, context.RequestAborted);
        var shape = new CompletionShape(chat, (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ServedName);
        // Stop strings end the requests inside the engine; a client that leaves cancels them (freed at the next step).
        using var run = CompletionRun.Submit(engine, request, shape, context.RequestAborted);

        if (!request.Stream)
        {
            var (body, results) = await run.WholeAsync(context.RequestAborted);
            foreach (var r in results) Record(context, r);
            await WriteJson(context, body);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            await run.StreamAsync(chunk => Event(context, chunk), r => Record(context, r), request.IncludeUsage, context.RequestAborted);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && SlotServer.Refusal(e) is { } error)
        {
            await Event(context, error.Body()); // the status line is gone; OpenAI's streams carry the error as an event
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    void Record(HttpContext context, EngineResult result)
    {
        AccessLog.AddTokens(context, result.PromptIds.Length, result.GeneratedIds.Length);
        metrics.PromptTokens.Inc(result.PromptIds.Length);
        metrics.GeneratedTokens.Inc(result.GeneratedIds.Length);
        if (result.Slot is { Skipped: false, Loaded: false } s) metrics.SlotStageSeconds.Observe(s.Milliseconds / 1000);
    }

    static readonly JsonDocumentOptions NoDuplicates = new() { AllowDuplicateProperties = false };

    /// <summary>The body as a JSON object; <paramref name="bounds"/> refuses a prompt that cannot fit before any object is built.</summary>
    public static async Task<JsonObject> ReadBody(HttpContext context, PromptBounds? bounds = null)
    {
        JsonNode? node;
        var bytes = await ReadUtf8Body(context);
        bounds?.Check(bytes.Span);
        // A repeated field is a parse error (a 400), not an object that throws on first read (a 500); which copy
        // counts would be anyone's guess.
        try { node = JsonNode.Parse(bytes.Span, documentOptions: NoDuplicates); }
        catch (JsonException e) { throw ApiError.BadRequest($"the body is not valid JSON: {e.Message}"); }
        return node as JsonObject ?? throw ApiError.BadRequest("the body must be a JSON object");
    }

    /// <summary>
    /// The whole body, bounded by the server's body limit (413), checked to be UTF-8: property names are decoded
    /// lazily, so invalid UTF-8 in one would otherwise throw on first read (a 500) instead of a 400.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>> ReadUtf8Body(HttpContext context)
    {
        var bytes = await ReadAll(context);
        // The request's end gives a large body's memory back (it would stay committed until some later full GC).
        if (bytes.Length >= BodyMemory.LargeBodyBytes)
            context.Response.OnCompleted(() => { BodyMemory.ReleaseSoon(); return Task.CompletedTask; });
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw ApiError.BadRequest("the body is not valid JSON: it is not valid UTF-8");
        return bytes;
    }

    /// <summary>
    /// One array of the body's size when Content-Length says it (RequestGuards held it to the body limit, and Kestrel
    /// stops a body that runs past it); a chunked body grows a MemoryStream, whose doubling costs up to 3x the size.
    /// </summary>
    static async Task<byte[]> ReadAll(HttpContext context)
    {
        if (context.Request.ContentLength is { } length and <= int.MaxValue)
        {
            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = await context.Request.Body.ReadAsync(bytes.AsMemory(read), context.RequestAborted);
                if (n == 0) throw ApiError.BadRequest($"the body ended after {read} of the {length} bytes its Content-Length announced");
                read += n;
            }
            return bytes;
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    static Task WriteJson(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    static async Task Event(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
