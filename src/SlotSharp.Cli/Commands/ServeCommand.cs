using System.CommandLine;
using SlotSharp.Backends;
using SlotSharp.Engine;
using Microsoft.Extensions.Hosting;
using SlotSharp.Server;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot serve --model DIR_OR_REPO [--host 127.0.0.1] [--port 8000]`: an OpenAI-compatible server with SLOT
/// (docs/serving.md). --urls replaces --host/--port for several addresses.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var slot = new SlotCliOptions();
        var host = new Option<string>("--host") { Description = "IP address or localhost to listen on (0.0.0.0 or :: for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => 8000 };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, separated by ';' (instead of --host/--port)" };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1/*" };
        var servedName = new Option<string?>("--served-model-name") { Description = "Model name for /v1/models and requests (default: the model's id)" };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests that may wait for the model; more get 429", DefaultValueFactory = _ => ServeSettings.DefaultMaxQueue };
        var maxBody = new Option<long>("--max-body-mb") { Description = "Largest request body in MiB; larger gets 413", DefaultValueFactory = _ => ServeSettings.DefaultMaxBodyMb };
        var maxTokens = new Option<int>("--max-tokens-limit") { Description = "Largest max_tokens a request may ask for", DefaultValueFactory = _ => ServeSettings.DefaultMaxTokensLimit };
        var origins = new Option<string[]>("--allowed-origins") { Description = "Browser origins (e.g. http://localhost:3000) allowed to call; others get 403", AllowMultipleArgumentsPerToken = true };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together, each with its own SLOT delta (1 = one request at a time)", DefaultValueFactory = _ => ServeSettings.DefaultMaxBatch };
        var kvBudget = new Option<int>("--kv-budget-mb") { Description = "KV-cache memory all running sequences may reserve (TorchSharp; 0 = 2 GiB); llama.cpp uses --context cells" };
        var shutdown = new Option<double>("--shutdown-timeout")
        {
            Description = "Seconds running requests get to finish on SIGTERM or Ctrl+C before they are cancelled and the server exits",
            DefaultValueFactory = _ => ServeSettings.DefaultShutdownTimeout.TotalSeconds,
        };
        var quiet = new Option<bool>("--quiet") { Description = "No access log (by default one line per request on stderr: method, path, status, tokens, duration)" };
        var longContext = LongContextOption.Create();
        longContext.Description += "; the default for /v1/generate requests, which may set \"allow_long_context\" themselves";
        var cmd = new Command("serve", "Serve one model over HTTP: OpenAI-compatible /v1/chat/completions, /v1/completions, /v1/models; " +
                                       "vLLM's /tokenize, /detokenize, /tokenizer_info; " +
                                       "POST /v1/generate (the JSON of `slot generate --json`), GET /health, GET /metrics");
        model.AddTo(cmd);
        slot.AddTo(cmd);
        var noPrefixCache = PrefixCacheOption.Create();
        foreach (var o in new Option[] { host, port, urls, apiKey, servedName, maxQueue, maxBody, maxTokens, origins, maxBatch, kvBudget, shutdown, quiet, longContext, noPrefixCache })
            cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            // Checked before the (slow) model load.
            var addresses = ParseAddresses(parse.GetValue(urls), parse.GetValue(host)!, parse.GetValue(port));
            model.Validate(parse);
            var settings = new ServeSettings
            {
                SlotDefaults = slot.Resolve(parse), AllowLongContext = parse.GetValue(longContext),
                ApiKey = parse.GetValue(apiKey), ServedModelName = parse.GetValue(servedName), MaxQueue = parse.GetValue(maxQueue),
                MaxBodyBytes = parse.GetValue(maxBody) << 20, MaxTokensLimit = parse.GetValue(maxTokens),
                AllowedOrigins = parse.GetValue(origins) ?? [], MaxBatch = parse.GetValue(maxBatch), KvBudgetMb = parse.GetValue(kvBudget),
                AccessLog = parse.GetValue(quiet) ? null : Console.Error,
                ShutdownTimeout = Seconds(parse.GetValue(shutdown)),
                PrefixCache = !parse.GetValue(noPrefixCache),
            };
            settings.Validate(FlagOf);
            using var loaded = model.LoadModel(parse, maxSequences: settings.MaxBatch);
            using var engine = new SlotEngine(loaded, SlotServer.EngineOptionsFor(settings));
            if (loaded.Backend is LlamaCppBackend && SlotSharp.LlamaCpp.LlamaCppRuntime.Wait is { } wait)
                Console.Error.WriteLine($"llama.cpp OpenMP wait: {wait}");
            using var app = new SlotServer(engine, settings).Build(addresses);
            SlotServer.Start(app, addresses);
            // Only now, when the sockets are bound: the addresses actually listened on.
            Console.Error.WriteLine($"serving {settings.ServedModelName ?? loaded.ModelId} on {string.Join(", ", app.Urls)} " +
                                    "(/v1/chat/completions, /v1/completions, /v1/models, /tokenize, /detokenize, /tokenizer_info, /v1/generate, /health, /metrics)");
            app.WaitForShutdown();
            return 0;
        });
        return cmd;
    }

    /// <summary>--urls, else --host and --port (an IPv6 host in brackets); a bad address names its flag.</summary>
    internal static IReadOnlyList<ListenAddress> ParseAddresses(string? urls, string host, int port)
    {
        if (urls == null)
        {
            if (port is < 0 or > 65535) throw new UserInputException($"--port must lie in [0, 65535], got {port}");
            urls = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"http://[{host}]:{port}" : $"http://{host}:{port}";
        }
        try { return ListenAddress.ParseAll(urls); }
        catch (SlotSharpException e) { throw new UserInputException($"--urls {e.Message}", e); }
    }

    /// <summary>--shutdown-timeout as a TimeSpan; NaN or one past TimeSpan's range is refused here, the range by Validate.</summary>
    static TimeSpan Seconds(double seconds) => double.IsFinite(seconds) && Math.Abs(seconds) < 1e9 ? TimeSpan.FromSeconds(seconds)
        : throw new UserInputException($"--shutdown-timeout must be a number of seconds, got {seconds}");

    /// <summary>The flag that sets each <see cref="ServeSettings"/> property.</summary>
    static string FlagOf(string property) => property switch
    {
        nameof(ServeSettings.MaxQueue) => "--max-queue",
        nameof(ServeSettings.MaxBodyBytes) => "--max-body-mb (in bytes)",
        nameof(ServeSettings.MaxTokensLimit) => "--max-tokens-limit",
        nameof(ServeSettings.MaxBatch) => "--max-batch",
        nameof(ServeSettings.KvBudgetMb) => "--kv-budget-mb",
        nameof(ServeSettings.ApiKey) => "--api-key",
        nameof(ServeSettings.ServedModelName) => "--served-model-name",
        nameof(ServeSettings.ShutdownTimeout) => "--shutdown-timeout",
        _ => property,
    };
}
