using System.Text.Json.Nodes;
using SlotSharp.Server;

namespace SlotSharp.Tests.Serving;

/// <summary>The wait queue over a real socket: 429 when full, a place freed when a waiting client leaves; disconnects counted.</summary>
public class ServerQueueTests
{
    /// <param name="maxBatch">1: one request at a time (SerializedPipelineEngine); 2: the batching engine.</param>
    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AFullQueueIs429AndAWaitingClientThatLeavesFreesItsPlace(int maxBatch)
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { MaxBatch = maxBatch, MaxQueue = 1 });
        var running = new List<DecodingStream>();
        try
        {
            for (int i = 0; i < maxBatch; i++) running.Add(await DecodingStream.Start(s)); // every place on the model taken
            var p = s.Golden.Prompt("len8");
            var request = new JsonObject { ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0 };

            using var leaving = new CancellationTokenSource();
            var waiting = s.Http.PostAsync("/v1/completions", OpenAiSdkTests.JsonContent(request), leaving.Token);
            await s.WaitForMetric("slot_queue_length 1");

            var (status, body) = await s.Post("/v1/completions", request);
            Assert.Equal(429, status);
            Assert.Equal("rate_limit_error", (string?)body["error"]!["type"]);
            Assert.Contains("busy", (string?)body["error"]!["message"]);

            await leaving.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            await s.WaitForMetric("slot_queue_length 0");

            // The place is free again: the next request waits instead of being refused, and is served once the model is.
            var next = s.Post("/v1/completions", request);
            await s.WaitForMetric("slot_queue_length 1");
            foreach (var r in running) r.Dispose();
            var (nextStatus, nextBody) = await next;
            Assert.Equal(200, nextStatus);
            Assert.Equal(s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_times0"]), skipSpecialTokens: true),
                (string?)nextBody["choices"]![0]!["text"]);
        }
        finally { foreach (var r in running) r.Dispose(); }
    }

    [SkippableFact]
    public async Task AClientLeavingMidStreamIsCountedAs499()
    {
        // Regression: the handler set the status of a response already started, so the request threw out of the
        // handler (Kestrel logged an unhandled exception) and was never counted.
        await using var s = await OpenAiServer.Start();
        (await DecodingStream.Start(s)).Dispose();
        await s.WaitForMetric("slot_requests_total{route=\"completions\",status=\"499\"} 1");
    }
}
