using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SlotSharp.Cli.Commands;
using SlotSharp.Generation;
using SlotSharp.Pipeline;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Serving;

/// <summary>
/// `slot serve`: one model behind ASP.NET Core minimal APIs. POST /v1/generate returns the JSON of
/// `slot generate --json`; GET /health names the model. Requests run one at a time (one model, CPU-bound).
/// <paramref name="allowLongContext"/> is the default of the request field allow_long_context.
/// </summary>
public sealed class SlotServer(SlotPipeline pipeline, SlotOptions slotDefaults, bool allowLongContext = false)
{
    readonly SemaphoreSlim _gate = new(1, 1);

    public WebApplication Build(string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/health", () => Results.Json(new { status = "ok", model = pipeline.ModelId }));
        app.MapPost("/v1/generate", (Func<HttpContext, Task<IResult>>)Generate);
        return app;
    }

    async Task<IResult> Generate(HttpContext context)
    {
        GenerateRequest? request;
        try { request = await JsonSerializer.DeserializeAsync<GenerateRequest>(context.Request.Body, cancellationToken: context.RequestAborted); }
        catch (JsonException e) { return Error($"the body is not a valid generate request: {e.Message}"); }
        if (request == null) return Error("the body is empty");

        await _gate.WaitAsync(context.RequestAborted);
        try
        {
            var (generation, slot) = request.Resolve(slotDefaults, pipeline.DefaultRepetitionPenalty, allowLongContext);
            int[] ids = request.PromptIds ?? (request.Messages != null
                ? pipeline.EncodeChat(request.ChatMessages())
                : pipeline.EncodeText(request.Prompt!));
            generation = generation with { StopIds = pipeline.StopIds.ToArray() };
            var result = pipeline.Generate(ids, generation, slot, cancel: context.RequestAborted);
            return Results.Content(GenerationJson.Build(pipeline, result, slot, null).ToJsonString(), "application/json");
        }
        catch (ContextLengthException e) { return Error($"{e.Message} ('allow_long_context': true)"); }
        catch (SlotSharpException e) { return Error(e.Message); }
        // The client is gone; nobody reads the answer (the prefill and SLOT stage stop at the next chunk or step).
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested) { return Results.StatusCode(499); }
        finally { _gate.Release(); }
    }

    static IResult Error(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status400BadRequest);
}
