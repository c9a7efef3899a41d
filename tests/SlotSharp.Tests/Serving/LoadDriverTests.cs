using SlotSharp.Cli.Commands;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// CI's short version of `slot bench load`: 8 clients for a few seconds against tiny-qwen2 over a real socket. Every
/// kind of the mix (chat and completions, streamed or not, SLOT on and off, disconnects mid-stream) is sent, and
/// every answer is a well-formed 2xx: no 5xx, no malformed body, no lost connection. No timing is asserted.
/// </summary>
public class LoadDriverTests
{
    [SkippableFact]
    public async Task AShortMixedLoadGetsOnlyWellFormedAnswers()
    {
        await using var s = await OpenAiServer.Start();
        var settings = new LoadSettings
        {
            Clients = 8, Duration = TimeSpan.FromSeconds(6), MaxTokens = 8, SlotTimes = 2, SampleEvery = TimeSpan.FromSeconds(1),
        };
        var report = await LoadDriver.Run(s.BaseUri, settings);

        Assert.Empty(report.Problems);
        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.Malformed);
        Assert.Equal(0, report.TransportErrors);
        Assert.Equal(report.Sent.Sum(), report.CountOf(2)); // nothing refused either: 8 clients never fill the queue
        for (int kind = 0; kind < LoadRequestKind.Mix.Count; kind++)
        {
            Assert.True(report.Sent[kind] > 0, $"{LoadRequestKind.Mix[kind].Name} was never sent");
            Assert.Equal(report.Sent[kind], report.Ok[kind]);
        }
        Assert.True(report.OutputTokens > 0);
        Assert.NotEmpty(report.Memory);
        Assert.False(report.Failed(settings));

        // The server is still whole after the disconnects: nothing left running or waiting.
        await s.WaitForMetric("slot_requests_in_flight 0");
        await s.WaitForMetric("slot_queue_length 0");
    }
}
