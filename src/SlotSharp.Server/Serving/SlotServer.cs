using SlotSharp.Engine;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
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
/// its own SLOT delta; a batch of 1 runs them one at a time). Every refusal is OpenAI's error JSON.
/// </summary>
public sealed class SlotServer
{
    readonly SlotEngine _engine;
    readonly bool _ownsEngine;
    readonly RequestBuilder _requests;
    readonly ServeSettings _settings;
    readonly ServerMetrics _metrics;
    // Read off the vocabulary on first use (one pass): servers built and never asked pay nothing.
    readonly Lazy<PromptBounds> _bounds;

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
        _bounds = new Lazy<PromptBounds>(() => PromptBounds.For(engine.Model));
    }

    /// <summary>The engine limits that serve <paramref name="settings"/>: its batch, its queue, its KV budget.</summary>
    public static EngineOptions EngineOptionsFor(ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new EngineOptions { MaxRunning = settings.MaxBatch, MaxQueued = settings.MaxQueue, PrefixCache = settings.PrefixCache };
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
        // SIGTERM / Ctrl+C: Kestrel stops accepting, waits this long for running requests, then closes their
        // connections, which cancels them in the engine (RequestAborted) and ends the process (exit 0).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = _settings.ShutdownTimeout);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed bind is reported by Start as one line; the host would also log it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        var app = builder.Build();
        // An engine the server started ends with the app (its thread drives the backend).
        if (_ownsEngine) app.Lifetime.ApplicationStopped.Register(_engine.Dispose);
        var failures = app.Logger;
        // Outermost: every response is counted and logged with its status, whatever path it took.
        app.Use((context, next) => Observe(context, next, failures));
        var guards = new RequestGuards(addresses, _settings);
        app.Use(guards.Invoke);
        // Unknown routes (404) and methods (405) get a JSON body too.
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted ? Task.CompletedTask
            : ApiError.Write(context.HttpContext, context.HttpContext.Response.StatusCode,
                $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path} is not a route of this server (" +
                (context.HttpContext.Response.StatusCode == 405 ? "method not allowed" : "not found") + ")"));
        var openAi = new OpenAiEndpoints(_engine, _requests, _settings, _metrics, () => _bounds.Value);
        app.MapGet("/health", () => Results.Json(new { status = "ok", model = _engine.Model.ModelId }));
        app.MapMetrics(settings => settings.Registry = _metrics.Registry);
        app.MapGet("/v1/models", openAi.Models);
        app.MapPost("/v1/chat/completions", context => Answer(context, () => openAi.Complete(context, chat: true)));
        app.MapPost("/v1/completions", context => Answer(context, () => openAi.Complete(context, chat: false)));
        app.MapPost("/v1/generate", context => Answer(context, () => Generate(context)));
        // vLLM's tokenizer routes, at the root as vLLM serves them (lm-evaluation-harness looks for them there).
        var tokenizer = new TokenizerEndpoints(_requests, () => openAi.ServedName, () => _bounds.Value);
        app.MapPost("/tokenize", context => Answer(context, () => tokenizer.Tokenize(context)));
        app.MapPost("/detokenize", context => Answer(context, () => tokenizer.Detokenize(context)));
        app.MapGet("/tokenizer_info", context => Answer(context, () => tokenizer.TokenizerInfo(context)));
        return app;
    }

    /// <summary>Runs a route; a refusal becomes OpenAI's error JSON (<see cref="Observe"/> counts the request).</summary>
    static async Task Answer(HttpContext context, Func<Task> handle)
    {
        try { await handle(); }
        // The client is gone; nobody reads an answer (prefill and SLOT stop at the next chunk or step, decoding ends).
        // Counted as 499; a stream's status line is already sent and cannot change.
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            AccessLog.SetStatus(context, 499);
            if (!context.Response.HasStarted) context.Response.StatusCode = 499;
        }
        catch (Exception e) when (Refusal(e) is { } error && !context.Response.HasStarted)
        {
            await ApiError.Write(context, error.Status, error.Message, error.Param, error.Code);
        }
    }

    /// <summary>
    /// Around everything (guards, routes, status pages): an exception no route answered is a bug, answered 500 in
    /// OpenAI's shape (and logged with its stack trace) instead of an empty body; then the response is counted in
    /// /metrics by route and status, and written to the access log.
    /// </summary>
    static readonly Action<ILogger, string, string, Exception?> RouteFailed =
        LoggerMessage.Define<string, string>(LogLevel.Error, new EventId(1, "RouteFailed"), "{Method} {Path} failed");

    async Task Observe(HttpContext context, RequestDelegate next, ILogger failures)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { await next(context); }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            AccessLog.SetStatus(context, 499);
        }
        catch (Exception e)
        {
            RouteFailed(failures, context.Request.Method, context.Request.Path.ToString(), e);
            if (context.Response.HasStarted) AccessLog.SetStatus(context, 500);
            else
            {
                context.Response.Clear();
                await ApiError.Write(context, StatusCodes.Status500InternalServerError,
                    $"internal server error ({e.GetType().Name}); the server's log has the details");
            }
        }
        int status = AccessLog.StatusOf(context);
        _metrics.Requests.WithLabels(AccessLog.RouteOf(context.Request.Path), status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        _metrics.RequestSeconds.Observe(clock.Elapsed.TotalSeconds);
        if (_settings.AccessLog is { } log)
        {
            var line = AccessLog.Line(context, status, clock.Elapsed);
            lock (log) log.WriteLine(line);
        }
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

    // A field given twice is refused, as on the OpenAI routes: which copy would count is anyone's guess.
    static readonly JsonSerializerOptions GenerateJson = new() { AllowDuplicateProperties = false };

    /// <summary>POST /v1/generate; its refusals are OpenAI's error JSON like every other route's.</summary>
    async Task Generate(HttpContext context)
    {
        GenerateRequest? request;
        var body = await OpenAiEndpoints.ReadUtf8Body(context);
        _bounds.Value.Check(body.Span, longContext: _settings.AllowLongContext);
        try { request = JsonSerializer.Deserialize<GenerateRequest>(body.Span, GenerateJson); }
        catch (JsonException e) { throw ApiError.BadRequest($"the body is not a valid generate request: {e.Message}"); }
        if (request == null) throw ApiError.BadRequest("the body is empty");

        EngineResult result;
        SlotOptions slot;
        try
        {
            var (generation, slotOptions) = request.Resolve(_settings.SlotDefaults, _engine.Model.DefaultRepetitionPenalty, _settings.AllowLongContext);
            slot = slotOptions;
            var prompt = request.PromptIds != null ? PromptInput.FromIds(request.PromptIds)
                : request.Messages != null ? PromptInput.FromMessages(request.ChatMessages()) : PromptInput.FromText(request.Prompt!);
            // Rendered under the request's cancellation: a client that leaves stops the render.
            var ids = _requests.Encode(prompt, context.RequestAborted);
            var handle = _engine.Submit(_requests.Build(PromptInput.FromIds(ids), generation, slotOptions), context.RequestAborted);
            result = (await handle.Completion).ThrowIfFailed(context.RequestAborted);
        }
        catch (ContextLengthException e) { throw ApiError.BadRequest($"{e.Message} ('allow_long_context': true)"); }
        AccessLog.AddTokens(context, result.PromptIds.Length, result.GeneratedIds.Length);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(GenerationJson.Build(_engine.Model, result, slot, null).ToJsonString(), context.RequestAborted);
    }
}
