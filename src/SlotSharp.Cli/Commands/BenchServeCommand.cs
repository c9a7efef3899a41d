using System.Globalization;
using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Server;
using SlotSharp.Slot;
using Spectre.Console;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench serve`: aggregate output tokens/s of `slot serve` (in-process, real sockets on 127.0.0.1) with N
/// concurrent OpenAI-protocol clients, SLOT off and on. Each client posts one /v1/completions request of exactly
/// --prompt-tokens random token ids with --new-tokens to generate (ignore_eos, greedy); the same prompts run with
/// SLOT off and with "slot": {"times", "lr"}. Results go to docs/benchmarks.md.
/// </summary>
internal static class BenchServeCommand
{
    /// <summary>One measured row: clients, SLOT on or off, output tokens over the wall time, mean request latency.</summary>
    internal sealed record Row(int Clients, bool Slot, long OutputTokens, double Seconds, double MeanLatencySeconds)
    {
        public double TokensPerSecond => OutputTokens / Seconds;
    }

    public static Command Create()
    {
        var model = new BenchServeModel();
        var clients = new Option<string>("--clients") { Description = "Concurrent client counts to measure", DefaultValueFactory = _ => "1,4,8,16" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length of every request (random token ids)", DefaultValueFactory = _ => 64 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens every request generates (ignore_eos)", DefaultValueFactory = _ => 256 };
        var times = new Option<int>("--times") { Description = "SLOT steps of the SLOT-on rows", DefaultValueFactory = _ => 5 };
        var lr = new Option<double>("--lr") { Description = "SLOT learning rate of the SLOT-on rows", DefaultValueFactory = _ => 0.1 };
        var maxBatch = new Option<int?>("--max-batch") { Description = "The server's --max-batch (default and minimum: the largest --clients)" };
        var json = new Option<string?>("--json") { Description = "Also write the rows to this JSON file" };
        var cmd = new Command("serve", "Aggregate output tokens/s of the OpenAI server with 1..N concurrent clients, SLOT off and on");
        model.AddTo(cmd);
        var noPrefixCache = PrefixCacheOption.Create();
        foreach (var o in new Option[] { clients, promptTokens, newTokens, times, lr, maxBatch, json, noPrefixCache }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var counts = BenchLoadCommand.PositiveList(parse.GetValue(clients)!, "--clients", 256);
            int prompt = parse.GetValue(promptTokens), generate = parse.GetValue(newTokens);
            if (prompt < 1) throw new UserInputException($"--prompt-tokens must be >= 1, got {prompt}");
            if (generate < 1) throw new UserInputException($"--new-tokens must be >= 1, got {generate}");
            int batch = parse.GetValue(maxBatch) ?? counts.Max();
            if (batch < counts.Max()) throw new UserInputException($"--max-batch ({batch}) must be >= the largest --clients ({counts.Max()})");
            var slot = new SlotOptions { Times = parse.GetValue(times), Lr = parse.GetValue(lr) };
            CliErrors.NamingFlag("--times/--lr", () => { slot.Resolve(); return 0; });

            using var loaded = model.Load(parse, batch, prompt + generate);
            var settings = new ServeSettings
            {
                MaxBatch = batch, MaxQueue = batch, MaxTokensLimit = Math.Max(generate, ServeSettings.DefaultMaxTokensLimit),
                PrefixCache = !parse.GetValue(noPrefixCache),
            };
            using var app = loaded.Serve(settings);
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
            int vocab = loaded.Model.Backend.VocabSize;
            Console.WriteLine($"CPU: {SlotSharp.Runtime.CpuFeatures.ModelName}; {loaded.Model.Backend.Name} {loaded.Model.ModelId}; " +
                              $"max-batch {batch}; prompts {prompt} tokens, {generate} new tokens; SLOT on: times {slot.Times}, lr {slot.Lr}");
            // Warm-up, SLOT off and on: JIT and first allocations stay out of the first rows.
            foreach (var warm in new[] { null, slot }) Post(http, Prompt(0, prompt, vocab), Math.Min(generate, 8), warm).GetAwaiter().GetResult();

            var rows = new List<Row>();
            foreach (int n in counts)
                foreach (var on in new[] { false, true })
                {
                    rows.Add(Measure(http, n, prompt, generate, vocab, on ? slot : null).GetAwaiter().GetResult());
                    Console.WriteLine($"clients {n}, SLOT {(on ? "on" : "off")}: {rows[^1].TokensPerSecond:F2} tokens/s");
                }
            AnsiConsole.Write(Table(rows));
            if (parse.GetValue(json) is { } path) File.WriteAllText(path, Json(rows, loaded.Model.Backend.Name, prompt, generate, slot).ToJsonString(new() { WriteIndented = true }));
            app.StopAsync().GetAwaiter().GetResult();
            return 0;
        });
        return cmd;
    }

    static async Task<Row> Measure(HttpClient http, int clients, int promptTokens, int newTokens, int vocab, SlotOptions? slot)
    {
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Post(http, Prompt(i, promptTokens, vocab), newTokens, slot)));
        double seconds = clock.Elapsed.TotalSeconds;
        return new Row(clients, slot != null, answers.Sum(a => (long)a.Tokens), seconds, answers.Average(a => a.Seconds));
    }

    /// <summary>Client i's prompt: the same random ids in every row, so SLOT on and off see the same prompts.</summary>
    static int[] Prompt(int client, int length, int vocab)
    {
        var rng = new Random(1000 + client);
        return Enumerable.Range(0, length).Select(_ => rng.Next(vocab)).ToArray();
    }

    static async Task<(int Tokens, double Seconds)> Post(HttpClient http, int[] prompt, int newTokens, SlotOptions? slot)
    {
        var body = new JsonObject
        {
            ["prompt"] = new JsonArray([.. prompt.Select(i => (JsonNode)i)]), ["max_tokens"] = newTokens, ["temperature"] = 0, ["ignore_eos"] = true,
        };
        if (slot != null) body["slot"] = new JsonObject { ["times"] = slot.Times, ["lr"] = slot.Lr };
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"the server answered {(int)response.StatusCode}: {text}");
        var tokens = (int?)JsonNode.Parse(text)?["usage"]?["completion_tokens"] ?? throw new InvalidOperationException($"no usage in the answer: {text}");
        return (tokens, clock.Elapsed.TotalSeconds);
    }

    static Table Table(List<Row> rows)
    {
        var table = new Table().AddColumns("clients", "SLOT", "output tokens/s", "mean latency s", "SLOT on / off");
        foreach (var r in rows)
        {
            var off = rows.First(x => x.Clients == r.Clients && !x.Slot);
            var inv = CultureInfo.InvariantCulture;
            table.AddRow(r.Clients.ToString(inv), r.Slot ? "on" : "off", r.TokensPerSecond.ToString("F2", inv), r.MeanLatencySeconds.ToString("F2", inv),
                r.Slot ? (r.TokensPerSecond / off.TokensPerSecond).ToString("F3", inv) : "");
        }
        return table;
    }

    static JsonObject Json(List<Row> rows, string backend, int promptTokens, int newTokens, SlotOptions slot) => new()
    {
        ["backend"] = backend, ["cpu"] = SlotSharp.Runtime.CpuFeatures.ModelName, ["prompt_tokens"] = promptTokens, ["new_tokens"] = newTokens,
        ["slot_times"] = slot.Times, ["slot_lr"] = slot.Lr,
        ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
        {
            ["clients"] = r.Clients, ["slot"] = r.Slot, ["output_tokens"] = r.OutputTokens, ["seconds"] = r.Seconds,
            ["output_tokens_per_second"] = r.TokensPerSecond, ["mean_latency_seconds"] = r.MeanLatencySeconds,
        })]),
    };
}
