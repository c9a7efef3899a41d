using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// `slot serve` ends on SIGTERM within its shutdown deadline with exit code 0, cancelling a request that would run
/// far longer (issue 19, defect 2: the host waited for ASP.NET Core's default 30 s, and a server busy rendering did
/// not stop at all). The real CLI in a child process, as a service manager runs it.
/// </summary>
public sealed partial class ServeShutdownTests
{
    [GeneratedRegex(@"serving \S+ on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingLine();

    [SkippableFact]
    public async Task SigtermDuringALongStreamExitsZeroWithinTheDeadline()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs kill -TERM");
        var model = SharedAssets.Require("models", "tiny-qwen2");
        const double deadline = 2;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "slot.dll"), "serve", "--model", model, "--port", "0",
                     "--max-tokens-limit", "100000", "--shutdown-timeout", deadline.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var server = Process.Start(start)!;
        var stderr = new StringBuilder();
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) { url.TrySetException(new InvalidOperationException($"slot serve ended before serving:\n{stderr}")); return; }
            lock (stderr) stderr.AppendLine(e.Data);
            if (ServingLine().Match(e.Data) is { Success: true } m) url.TrySetResult(m.Groups[1].Value);
        };
        server.BeginErrorReadLine();
        _ = server.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(await url.Task.WaitAsync(TimeSpan.FromMinutes(2))), Timeout = Timeout.InfiniteTimeSpan };
            // 30,000 tokens: minutes of decoding on a CPU, far past the deadline.
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = new StringContent("{\"prompt\": \"Hello there\", \"max_tokens\": 30000, \"ignore_eos\": true, \"stream\": true}", Encoding.UTF8, "application/json"),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            using var stream = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await stream.ReadLineAsync()); // decoding has begun

            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            // The stream ends (its connection closed at the deadline) and so does the process.
            var drained = stream.ReadToEndAsync();
            bool exited = server.WaitForExit(TimeSpan.FromSeconds(deadline + 20));
            Assert.True(exited, $"slot serve still runs {clock.Elapsed.TotalSeconds:F1} s after SIGTERM (deadline {deadline} s)");
            server.WaitForExit(); // the redirected streams drain
            lock (stderr) Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}; stderr:\n{stderr}");
            Assert.True(clock.Elapsed.TotalSeconds >= deadline - 0.5, $"exited after {clock.Elapsed.TotalSeconds:F1} s: the running request was not given its {deadline} s");
            try { await drained.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (HttpRequestException) { } // a connection closed mid-chunk is a clean end here
            catch (IOException) { }
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }
}
