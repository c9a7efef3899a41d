using System.Diagnostics;
using System.Text;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// `slot serve` ends on SIGTERM within its shutdown deadline with exit code 0, cancelling a request that would run
/// far longer (issue 19, defect 2: the host waited for ASP.NET Core's default 30 s, and a server busy rendering did
/// not stop at all). The real CLI in a child process, as a service manager runs it.
/// </summary>
public sealed class ServeShutdownTests
{
    [SkippableFact]
    public async Task SigtermDuringALongStreamExitsZeroWithinTheDeadline()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs kill -TERM");
        var model = SharedAssets.Require("models", "tiny-qwen2");
        const double deadline = 2;
        using var server = await ServeProcess.Start(model, "--max-tokens-limit", "100000", "--shutdown-timeout", "2");
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = Timeout.InfiniteTimeSpan };
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
        server.Terminate();
        // The stream ends (its connection closed at the deadline) and so does the process.
        var drained = stream.ReadToEndAsync();
        bool exited = server.Process.WaitForExit(TimeSpan.FromSeconds(deadline + 20));
        Assert.True(exited, $"slot serve still runs {clock.Elapsed.TotalSeconds:F1} s after SIGTERM (deadline {deadline} s)");
        server.Process.WaitForExit(); // the redirected streams drain
        Assert.True(server.Process.ExitCode == 0, $"exit code {server.Process.ExitCode}; stderr:\n{server.Stderr}");
        Assert.True(clock.Elapsed.TotalSeconds >= deadline - 0.5, $"exited after {clock.Elapsed.TotalSeconds:F1} s: the running request was not given its {deadline} s");
        try { await drained.WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (HttpRequestException) { } // a connection closed mid-chunk is a clean end here
        catch (IOException) { }
    }
}
