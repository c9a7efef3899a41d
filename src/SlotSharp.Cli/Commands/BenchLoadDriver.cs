using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// The client side of `slot bench load`: <see cref="LoadSettings.Clients"/> clients send the <see cref="LoadRequestKind.Mix"/>
/// round-robin to a server's OpenAI routes for <see cref="LoadSettings.Duration"/>, checking every answer's shape and
/// counting statuses, while the server process's memory is sampled. Also run briefly by the tests (CI's short version).
/// </summary>
internal static class LoadDriver
{
    /// <param name="server">The server's root, e.g. http://127.0.0.1:8000.</param>
    public static async Task<LoadReport> Run(Uri server, LoadSettings settings, CancellationToken cancel = default)
    {
        var report = new LoadReport();
        using var http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        if (settings.ApiKey != null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var clock = Stopwatch.StartNew();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var sampler = SampleMemory(report, settings, clock, done.Token);
        long issued = 0;
        async Task Client()
        {
            while (!cancel.IsCancellationRequested)
            {
                long number = Interlocked.Increment(ref issued) - 1;
                // Past the duration, but only once every kind of the mix has been sent.
                if (clock.Elapsed >= settings.Duration && number >= LoadRequestKind.Mix.Count) return;
                await Send(http, (int)(number % LoadRequestKind.Mix.Count), number, settings, report, cancel);
            }
        }
        try { await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(_ => Task.Run(Client, CancellationToken.None))); }
        finally
        {
            report.Seconds = clock.Elapsed.TotalSeconds;
            await done.CancelAsync();
            await sampler;
        }
        Sample(report, settings, clock); // the memory at the end, after the last answer
        return report;
    }

    static async Task Send(HttpClient http, int kindIndex, long number, LoadSettings settings, LoadReport report, CancellationToken cancel)
    {
        var kind = LoadRequestKind.Mix[kindIndex];
        report.Sending(kindIndex);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(settings.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, kind.Chat ? "/v1/chat/completions" : "/v1/completions")
            {
                Content = new StringContent(kind.Body(number, settings).ToJsonString(), Encoding.UTF8, "application/json"),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            int status = (int)response.StatusCode;
            report.Status(status);
            if (status >= 400 || !kind.Stream)
            {
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                if (status >= 500) report.Problem($"{kind.Name}: {status} {text}");
                else if (status >= 400) { if (!LoadRequestKind.IsOpenAiError(text)) report.MalformedAnswer($"{kind.Name}: {status} without OpenAI's error body: {text}"); }
                else Record(report, kindIndex, kind.CheckWhole(text, settings.MaxTokens));
                return;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
            var events = new List<string>();
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Length == 0) continue;
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) { report.MalformedAnswer($"{kind.Name}: an SSE line without 'data: ': {line}"); return; }
                events.Add(line["data: ".Length..]);
                // Leave mid-stream: disposing the unread response closes the connection, which the server must notice.
                if (kind.Disconnect) { Record(report, kindIndex, (0, kind.Chunk(events[0]).Problem)); return; }
            }
            Record(report, kindIndex, kind.CheckStream(events, settings.MaxTokens));
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            report.TransportError($"{kind.Name}: {(e is OperationCanceledException ? $"no answer within {settings.RequestTimeout}" : e.Message)}");
        }
    }

    static void Record(LoadReport report, int kindIndex, (int Tokens, string? Problem) check)
    {
        if (check.Problem == null) report.Answered(kindIndex, check.Tokens);
        else report.MalformedAnswer($"{LoadRequestKind.Mix[kindIndex].Name}: {check.Problem}");
    }

    static async Task SampleMemory(LoadReport report, LoadSettings settings, Stopwatch clock, CancellationToken done)
    {
        using var timer = new PeriodicTimer(settings.SampleEvery);
        do Sample(report, settings, clock);
        while (await Ticked(timer, done));
    }

    static async Task<bool> Ticked(PeriodicTimer timer, CancellationToken done)
    {
        try { return await timer.WaitForNextTickAsync(done); }
        catch (OperationCanceledException) { return false; }
    }

    static void Sample(LoadReport report, LoadSettings settings, Stopwatch clock)
    {
        using var process = settings.ServerProcessId is { } pid ? Process.GetProcessById(pid) : Process.GetCurrentProcess();
        report.Sample(new MemorySample(clock.Elapsed.TotalSeconds, process.WorkingSet64,
            settings.ServerProcessId == null ? GC.GetTotalMemory(forceFullCollection: false) : null));
    }
}
