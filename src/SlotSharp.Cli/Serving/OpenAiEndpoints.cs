using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using SlotSharp.Pipeline;

namespace SlotSharp.Cli.Serving;

/// <summary>
/// GET /v1/models, POST /v1/chat/completions and POST /v1/completions, shaped as OpenAI's API (docs/serving.md).
/// Refusals are thrown as <see cref="ApiError"/> (or library exceptions) for <see cref="SlotServer"/> to answer.
/// </summary>
internal sealed class OpenAiEndpoints(SlotPipeline pipeline, IGenerationEngine engine, ServeSettings settings, ServerMetrics metrics)
{
    readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public string ServedName => settings.ServedModelName ?? pipeline.ModelId;

    public IResult Models() => Results.Content(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject
        {
            ["id"] = ServedName, ["object"] = "model", ["created"] = _created, ["owned_by"] = "slotsharp",
            ["max_model_len"] = pipeline.Backend.MaxPositions,
        }),
    }.ToJsonString(), "application/json");

    public async Task Complete(HttpContext context, bool chat)
    {
        var request = CompletionRequest.Parse(await ReadBody(context), chat, pipeline, settings, ServedName);
        var text = new CompletionText(pipeline.Tokenizer, request.Stops);
        // Cancelled by the client leaving, or by a stop string (decoding then ends with the tokens so far).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        void OnToken(int id)
        {
            var piece = text.Push(id);
            if (piece.Length > 0) pieces.Writer.TryWrite(piece);
            if (text.Stopped) stop.Cancel();
        }
        var run = engine.GenerateAsync(new EngineRequest(request.PromptIds, request.Generation, request.Slot), OnToken, stop.Token);
        var shape = new CompletionShape(chat, (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ServedName);

        if (!request.Stream || run.IsFaulted) // a refusal (429) is still a JSON answer, not a stream
        {
            var result = await run;
            text.Finish();
            Record(request, result);
            await WriteJson(context, shape.Whole(text.Text, FinishReason(text, result), Usage(request, result)));
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        _ = run.ContinueWith(_ => pieces.Writer.Complete(), TaskScheduler.Default);
        if (chat) await Event(context, shape.Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        await foreach (var piece in pieces.Reader.ReadAllAsync(context.RequestAborted))
            await Event(context, shape.Chunk(shape.Delta(piece), null));
        try
        {
            var result = await run;
            var rest = text.Finish();
            Record(request, result);
            await Event(context, shape.Chunk(shape.Delta(rest), FinishReason(text, result)));
            if (request.IncludeUsage) await Event(context, shape.UsageChunk(Usage(request, result)));
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && SlotServer.Refusal(e) is { } error)
        {
            await Event(context, error.Body()); // the status line is gone; OpenAI's streams carry the error as an event
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    void Record(CompletionRequest request, SlotGeneration result)
    {
        metrics.PromptTokens.Inc(request.PromptIds.Length);
        metrics.GeneratedTokens.Inc(result.Generation.GeneratedIds.Length);
        if (result.Slot is { Skipped: false, Loaded: false } s) metrics.SlotStageSeconds.Observe(s.Milliseconds / 1000);
    }

    /// <summary>"stop" for a stop id (EOS) or stop string, "length" when max_tokens ran out.</summary>
    static string FinishReason(CompletionText text, SlotGeneration result) =>
        text.Stopped || result.Generation.StoppedAtStopId ? "stop" : "length";

    static JsonObject Usage(CompletionRequest request, SlotGeneration result) => new()
    {
        ["prompt_tokens"] = request.PromptIds.Length,
        ["completion_tokens"] = result.Generation.GeneratedIds.Length,
        ["total_tokens"] = request.PromptIds.Length + result.Generation.GeneratedIds.Length,
    };

    public static async Task<JsonObject> ReadBody(HttpContext context)
    {
        JsonNode? node;
        try { node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted); }
        catch (JsonException e) { throw ApiError.BadRequest($"the body is not valid JSON: {e.Message}"); }
        return node as JsonObject ?? throw ApiError.BadRequest("the body must be a JSON object");
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
