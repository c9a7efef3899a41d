using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// A client that sends its body slower than Kestrel's minimum data rate (240 bytes/s after a 5 s grace period) does
/// not hold a request thread for as long as it likes: it is answered 408 in OpenAI's error shape (issue 19).
/// </summary>
public sealed class SlowBodyTests
{
    [SkippableFact]
    public async Task ABodyTrickledBelowTheMinimumRateIsAnswered408()
    {
        await using var s = await OpenAiServer.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(s.BaseUri.Host, s.BaseUri.Port);
        var stream = tcp.GetStream();
        var head = $"POST /v1/completions HTTP/1.1\r\nHost: {s.BaseUri.Host}:{s.BaseUri.Port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var clock = Stopwatch.StartNew();
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        var reading = stream.ReadAsync(buffer).AsTask();
        // 10 bytes a second, far below 240: the grace period runs out after 5 s.
        while (!reading.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try { await stream.WriteAsync("          "u8.ToArray()); }
            catch (IOException) { break; } // the server closed its side after answering
            await Task.WhenAny(reading, Task.Delay(1000));
        }
        int n = await reading.WaitAsync(TimeSpan.FromSeconds(30));
        answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        while (!answer.ToString().Contains("}}", StringComparison.Ordinal) && (n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0)
            answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        var text = answer.ToString();
        Assert.StartsWith("HTTP/1.1 408 ", text);
        Assert.Contains("\"error\":{\"message\":", text);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"answered after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
