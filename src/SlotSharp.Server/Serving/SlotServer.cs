using SlotSharp.Engine;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlotSharp.Generation;
using Prometheus;
using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>
/// `slot serve`: one model behind ASP.NET Core minimal APIs. The OpenAI-compatible routes (GET /v1/models,
/// POST /v1/chat/completions, POST /v1/completions), vLLM's POST /tokenize, POST /detokenize and GET /tokenizer_info,
/// POST /v1/generate (the JSON of `slot generate --json`), GET /health and GET /metrics (Prometheus). Every request is translated into an <see cref="EngineRequest"/> by the one
/// <see cref="RequestBuilder"/> and submitted to the model's <see cref="SlotEngine"/> (continuous batching, each request
/// its own SLOT delta; a batch of 1 runs them one at a time). Every refusal is OpenAI's error JSON, except
/// /v1/generate's own {"error": "..."}.
/// </summary>
public sealed class SlotServer
{
    readonly SlotEngine _engine;
    readonly bool _ownsEngine;
    readonly RequestBuilder _requests;
    readonly ServeSettings _settings;
    readonly ServerMetrics _metrics;

    /// <summary>Serves requests on <paramref name="engine"/>, which stays its creator's to dispose.</summary>
    public SlotServer(SlotEngine engine, ServeSettings settings) : this(engine, settings, ownsEngine: false) { }

    /// <summary>Starts an engine on <paramref name="model"/> with the settings' batch, queue and KV budget; it stops with the app.</summary>
    public SlotServer(SlotModel model, ServeSettings settings) : this(new SlotEngine(model, EngineOptionsFor(settings)), settings, ownsEngine: true) { }

    /// <param name="allowLongContext">The default of /v1/generate's allow_long_context.</param>
    public SlotServer(SlotModel model, SlotOptions slotDefaults, bool allowLongContext = false)
        : this(model, new ServeSettings { SlotDefaults = slotDefaults, AllowLongContext = allowLongContext }) { }

    SlotServer(SlotEngine engine, ServeSettings settings, bool ownsEngine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(settings);
        _engine = engine;
        _ownsEngine = ownsEngine;
        _requests = new RequestBuilder(engine.Model);
        _settings = settings;
        _metrics = new ServerMetrics(engine);
    }

    /// <summary>The engine limits that serve <paramref name="settings"/>: its batch, its queue, its KV budget.</summary>
    public static EngineOptions EngineOptionsFor(ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new EngineOptions { MaxRunning = settings.MaxBatch, MaxQueued = settings.MaxQueue };
        return settings.KvBudgetMb > 0 ? options with { KvBudgetBytes = (long)settings.KvBudgetMb << 20 } : options;
    }

    /// <summary>The app for <paramref name="urls"/> (see <see cref="ListenAddress"/>); it listens once started.</summary>
    public WebApplication Build(string urls) => Build(ListenAddress.ParseAll(urls));

    public WebApplication Build(IReadOnlyList<ListenAddress> addresses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Exactly the addresses given: Kestrel would resolve a host name by listening on every interface.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = _settings.MaxBodyBytes; // a chunked body past it fails the read: 413
            foreach (var a in addresses)
            {
                if (a.Ip != null) kestrel.Listen(a.Ip, a.Port);
                else if (a.Port != 0) kestrel.ListenLocalhost(a.Port);
                else kestrel.Listen(IPAddress.Loopback, 0); // Kestrel has no dynamic port for 'localhost'
            }
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed bind is reported by Start as one line; the host would also log it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        var app = builder.Build();
        // An engine the server started ends with the app (its thread drives the backend).
        if (_ownsEngine) app.Lifetime.ApplicationStopped.Register(_engine.Dispose);
        var guards = new RequestGuards(addresses, _settings);
        app.Use(guards.Invoke);
        // Unknown routes (404) and methods (405) get a JSON body too.
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted ? Task.CompletedTask
            : ApiError.Write(context.HttpContext, context.HttpContext.Response.StatusCode,
                $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path} is not a route of this server (" +
                (context.HttpContext.Response.StatusCode == 405 ? "method not allowed" : "not found") + ")"));
        var openAi = new OpenAiEndpoints(_engine, _requests, _settings, _metrics);
        app.MapGet("/health", () => Results.Json(new { status = "ok", model = _engine.Model.ModelId }));
        app.MapMetrics(settings => settings.Registry = _metrics.Registry);
        app.MapGet("/v1/models", openAi.Models);
        app.MapPost("/v1/chat/completions", context => Answer(context, "chat", () => openAi.Complete(context, chat: true)));
        app.MapPost("/v1/completions", context => Answer(context, "completions", () => openAi.Complete(context, chat: false)));
        app.MapPost("/v1/generate", (Func<HttpContext, Task<IResult>>)Generate);
        // vLLM's tokenizer routes, at the root as vLLM serves them (lm-evaluation-harness looks for them there).
        var tokenizer = new TokenizerEndpoints(_requests, () => openAi.ServedName);
        app.MapPost("/tokenize", context => Answer(context, "tokenize", () => tokenizer.Tokenize(context)));
        app.MapPost("/detokenize", context => Answer(context, "detokenize", () => tokenizer.Detokenize(context)));
        app.MapGet("/tokenizer_info", context => Answer(context, "tokenizer_info", () => tokenizer.TokenizerInfo(context)));
        return app;
    }

    /// <summary>Runs a route; a refusal becomes OpenAI's error JSON, and the request is counted by its status.</summary>
    async Task Answer(HttpContext context, string route, Func<Task> handle)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int? status = null;
        try { await handle(); }
        // The client is gone; nobody reads an answer (prefill and SLOT stop at the next chunk or step, decoding ends).
        // Counted as 499; a stream's status line is already sent and cannot change.
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
            if (!context.Response.HasStarted) context.Response.StatusCode = 499;
        }
        catch (Exception e) when (Refusal(e) is { } error && !context.Response.HasStarted)
        {
            await ApiError.Write(context, error.Status, error.Message, error.Param, error.Code);
        }
        _metrics.Requests.WithLabels(route, (status ?? context.Response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        _metrics.RequestSeconds.Observe(clock.Elapsed.TotalSeconds);
    }

    /// <summary>The answer to an exception a request caused (null: a bug, which stays a 500).</summary>
    internal static ApiError? Refusal(Exception e) => e switch
    {
        ApiError a => a,
        EngineOverloadedException => new ApiError(StatusCodes.Status429TooManyRequests, OpenAiEndpoints.BusyMessage(e)),
        BadHttpRequestException b => new ApiError(b.StatusCode, b.Message),
        ContextLengthException c => ApiError.BadRequest(c.Message, "max_tokens"),
        SlotSharp.Chat.Tools.ToolRequestException t => ApiError.BadRequest(t.Message, t.TopLevelField),
        SlotSharpException s => ApiError.BadRequest(s.Message),
        _ => null,
    };

    /// <summary>Starts listening; a busy port or an address this machine does not have is a user error naming it.</summary>
    public static void Start(WebApplication app, IReadOnlyList<ListenAddress> addresses)
    {
        try { app.Start(); }
        // A busy port arrives as IOException (wrapping AddressInUseException); an address this machine lacks as SocketException.
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new SlotSharpException($"cannot listen on {string.Join(", ", addresses.Select(a => a.Text))}: {reason}");
        }
    }

    async Task<IResult> Generate(HttpContext context)
    {
        GenerateRequest? request;
        try { request = await JsonSerializer.DeserializeAsync<GenerateRequest>(context.Request.Body, cancellationToken: context.RequestAborted); }
        catch (JsonException e) { return Error($"the body is not a valid generate request: {e.Message}"); }
        if (request == null) return Error("the body is empty");

        try
        {
            var (generation, slot) = request.Resolve(_settings.SlotDefaults, _engine.Model.DefaultRepetitionPenalty, _settings.AllowLongContext);
            var prompt = request.PromptIds != null ? PromptInput.FromIds(request.PromptIds)
                : request.Messages != null ? PromptInput.FromMessages(request.ChatMessages()) : PromptInput.FromText(request.Prompt!);
            var handle = _engine.Submit(_requests.Build(prompt, generation, slot), context.RequestAborted);
            var result = (await handle.Completion).ThrowIfFailed(context.RequestAborted);
            return Results.Content(GenerationJson.Build(_engine.Model, result, slot, null).ToJsonString(), "application/json");
        }
        catch (ContextLengthException e) { return Error($"{e.Message} ('allow_long_context': true)"); }
        catch (EngineOverloadedException e) { return Error(OpenAiEndpoints.BusyMessage(e), StatusCodes.Status429TooManyRequests); }
        catch (SlotSharpException e) { return Error(e.Message); }
        // The client is gone; nobody reads the answer (the prefill and SLOT stage stop at the next chunk or step).
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested) { return Results.StatusCode(499); }
    }

    static IResult Error(string message, int status = StatusCodes.Status400BadRequest) => Results.Json(new { error = message }, statusCode: status);
}
