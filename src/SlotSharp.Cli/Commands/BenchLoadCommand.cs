using System.CommandLine;
using System.Globalization;
using SlotSharp.Server;
using Spectre.Console;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench load`: N clients for a duration against a running server (--url) or an in-process one, with the mixed
/// requests of <see cref="LoadRequestKind.Mix"/>. Exit code 1 when any answer was 5xx, malformed or lost, or memory
/// grew (docs/serving.md, "Load test").
/// </summary>
internal static class BenchLoadCommand
{
    public static Command Create()
    {
        var model = new BenchServeModel();
        var defaults = new LoadSettings();
        var url = new Option<string?>("--url") { Description = "A running server's root (e.g. http://127.0.0.1:8000); default: serve the model in-process" };
        var serverPid = new Option<int?>("--server-pid") { Description = "With --url: the server's process id, for its memory (default: not sampled; this process is)" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => defaults.Clients };
        var duration = new Option<string>("--duration") { Description = "How long clients keep sending: a number with s, m or h", DefaultValueFactory = _ => "10m" };
        var newTokens = new Option<int>("--new-tokens") { Description = "max_tokens of every request", DefaultValueFactory = _ => defaults.MaxTokens };
        var times = new Option<int>("--times") { Description = "SLOT steps of the requests with SLOT on", DefaultValueFactory = _ => defaults.SlotTimes };
        var lr = new Option<double>("--lr") { Description = "SLOT learning rate of the requests with SLOT on", DefaultValueFactory = _ => defaults.SlotLr };
        var apiKey = new Option<string?>("--api-key") { Description = "With --url: the server's key" };
        var margin = new Option<double>("--memory-margin") { Description = "Memory flat: the last minute's largest working set at most this % above the first minute's", DefaultValueFactory = _ => defaults.MemoryMargin * 100 };
        var maxBatch = new Option<int>("--max-batch") { Description = "In-process server: --max-batch", DefaultValueFactory = _ => ServeSettings.DefaultMaxBatch };
        var maxQueue = new Option<int>("--max-queue") { Description = "In-process server: --max-queue", DefaultValueFactory = _ => ServeSettings.DefaultMaxQueue };
        var cmd = new Command("load", "Load test of the OpenAI server: mixed chat/completions, streamed or not, SLOT on/off, disconnects; counts statuses, samples memory");
        model.AddTo(cmd);
        foreach (var o in new Option[] { url, serverPid, clients, duration, newTokens, times, lr, apiKey, margin, maxBatch, maxQueue }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var settings = defaults with
            {
                Clients = Positive(parse.GetValue(clients), "--clients"), Duration = Duration(parse.GetValue(duration)!),
                MaxTokens = Positive(parse.GetValue(newTokens), "--new-tokens"), SlotTimes = Positive(parse.GetValue(times), "--times"),
                SlotLr = parse.GetValue(lr) > 0 ? parse.GetValue(lr) : throw new UserInputException($"--lr must be > 0, got {parse.GetValue(lr)}"),
                ApiKey = parse.GetValue(apiKey), ServerProcessId = parse.GetValue(serverPid),
                MemoryMargin = parse.GetValue(margin) >= 0 ? parse.GetValue(margin) / 100 : throw new UserInputException($"--memory-margin must be >= 0, got {parse.GetValue(margin)}"),
            };
            if (parse.GetValue(url) is { } root)
            {
                if (!Uri.TryCreate(root, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
                    throw new UserInputException($"--url: '{root}' is not an http(s) URL");
                return Report(LoadDriver.Run(server, settings).GetAwaiter().GetResult(), settings);
            }
            if (settings.ServerProcessId != null) throw new UserInputException("--server-pid needs --url (an in-process server is this process)");
            using var loaded = model.Load(parse, parse.GetValue(maxBatch), 512 + settings.MaxTokens);
            using var app = loaded.Serve(new ServeSettings
            {
                MaxBatch = parse.GetValue(maxBatch), MaxQueue = parse.GetValue(maxQueue),
                MaxTokensLimit = Math.Max(settings.MaxTokens, ServeSettings.DefaultMaxTokensLimit),
            });
            Console.WriteLine($"serving {loaded.Model.ModelId} ({loaded.Model.Backend.Name}) in-process on {app.Urls.First()}");
            var report = LoadDriver.Run(new Uri(app.Urls.First()), settings).GetAwaiter().GetResult();
            app.StopAsync().GetAwaiter().GetResult();
            return Report(report, settings);
        });
        return cmd;
    }

    static int Report(LoadReport report, LoadSettings settings)
    {
        var kinds = new Table().AddColumns("request", "sent", "well-formed 2xx");
        for (int i = 0; i < LoadRequestKind.Mix.Count; i++) kinds.AddRow(LoadRequestKind.Mix[i].Name, report.Sent[i].ToString(CultureInfo.InvariantCulture), report.Ok[i].ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(kinds);
        Console.WriteLine($"{report.Seconds:F0} s, {settings.Clients} clients; statuses: " +
                          string.Join(", ", report.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")) +
                          $" (2xx {report.CountOf(2)}, 4xx {report.CountOf(4)}, 5xx {report.ServerErrors}); malformed {report.Malformed}; transport errors {report.TransportErrors}");
        Console.WriteLine($"output tokens {report.OutputTokens} ({report.TokensPerSecond:F2}/s; disconnected streams not counted)");
        var memory = report.Memory;
        static string Mb(long bytes) => $"{bytes / 1e6:F0} MB";
        if (memory.Count > 0)
        {
            var (first, last) = report.MemoryWindows;
            Console.WriteLine($"working set: first {Mb(memory[0].WorkingSetBytes)}, last {Mb(memory[^1].WorkingSetBytes)}, max {Mb(memory.Max(m => m.WorkingSetBytes))}; " +
                              $"largest in the first / last minute (a quarter of shorter runs) {Mb(first)} / {Mb(last)}" +
                              (memory[0].GcHeapBytes is { } h0 ? $"; GC heap first {Mb(h0)}, last {Mb(memory[^1].GcHeapBytes ?? 0)}, max {Mb(memory.Max(m => m.GcHeapBytes ?? 0))}" : ""));
        }
        Console.WriteLine(report.MemoryFlat(settings) switch
        {
            true => $"memory flat (within {settings.MemoryMargin:P0})",
            false => $"memory NOT flat: grew more than {settings.MemoryMargin:P0}",
            null => $"memory not judged (runs shorter than {LoadSettings.MemoryJudgedFrom.TotalMinutes} minutes)",
        });
        foreach (var p in report.Problems) Console.WriteLine($"problem: {p}");
        bool failed = report.Failed(settings);
        Console.WriteLine(failed ? "FAILED" : "passed");
        return failed ? 1 : 0;
    }

    static int Positive(int value, string flag) => value > 0 ? value : throw new UserInputException($"{flag} must be > 0, got {value}");

    /// <summary>"90s", "10m", "1.5h".</summary>
    internal static TimeSpan Duration(string text)
    {
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && n < 1e6)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        }
        throw new UserInputException($"--duration: '{text}' is not a positive number followed by s, m or h (e.g. 10m)");
    }

    /// <summary>A comma-separated list of counts in 1..<paramref name="max"/>, for <paramref name="flag"/>.</summary>
    internal static List<int> PositiveList(string text, string flag, int max)
    {
        List<int> counts = [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, out var v) && v > 0 && v <= max ? v : throw new UserInputException($"{flag}: '{s}' is not a count in 1..{max}"))];
        return counts.Count > 0 ? counts : throw new UserInputException($"{flag} is empty");
    }
}
