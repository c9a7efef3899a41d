using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;
using SlotSharp.Server;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Serving;

/// <summary>The OpenAI routes over a real socket, with the official OpenAI .NET SDK (and HttpClient for extras).</summary>
public class OpenAiSdkTests
{
    static ChatClient Client(OpenAiServer s, string key = "unused") =>
        new("tiny-qwen2", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });

    [SkippableFact]
    public async Task CompletionsOfGoldenPromptIdsDecodeToTheGoldenGreedyTokens()
    {
        await using var s = await OpenAiServer.Start();
        foreach (var p in s.Golden.Prompts.Where(p => (string?)p["name"] is "len8" or "len60"))
        {
            var golden = Golden.Ints(p["generate"]!["greedy_times0"]);
            var expected = s.Pipeline.Tokenizer.Decode(golden, skipSpecialTokens: true);
            var (status, body) = await s.Post("/v1/completions", new JsonObject
            {
                ["model"] = "tiny-qwen2", ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0,
            });
            Assert.Equal(200, status);
            Assert.Equal(expected, (string?)body["choices"]![0]!["text"]);
            Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
            Assert.Equal(p["input_ids"]!.AsArray().Count, (int)body["usage"]!["prompt_tokens"]!);
            Assert.Equal(24, (int)body["usage"]!["completion_tokens"]!);

            // Per-request SLOT: times 5, lr 0.1 (the server default is plain generation).
            var slot = Golden.Ints(p["generate"]!["greedy_seed_times5_lr0.1"]);
            var (_, slotBody) = await s.Post("/v1/completions", new JsonObject
            {
                ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0,
                ["slot"] = new JsonObject { ["times"] = 5, ["lr"] = 0.1 },
            });
            Assert.Equal(s.Pipeline.Tokenizer.Decode(slot, skipSpecialTokens: true), (string?)slotBody["choices"]![0]!["text"]);
        }
    }

    [SkippableFact]
    public async Task StreamedCompletionWithUsageConcatenatesToTheGoldenText()
    {
        await using var s = await OpenAiServer.Start();
        var p = s.Golden.Prompt("len8");
        var response = await s.Http.PostAsync("/v1/completions", JsonContent(new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0, ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        }));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!.AsObject()).ToList();
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["text"]));
        Assert.Equal(s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_times0"]), skipSpecialTokens: true), text);
        Assert.Equal("length", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.Equal(32, (int)chunks[^1]["usage"]!["total_tokens"]!);
    }

    [SkippableFact]
    public async Task ChatThroughTheSdkEqualsTheCliTextStreamedOrNot()
    {
        await using var s = await OpenAiServer.Start();
        var client = Client(s);
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 20 };
        // The CLI path (`slot generate --json` "text") for the same messages: chat template, greedy, stop ids.
        var ids = s.Pipeline.EncodeChat([new SlotChatMessage("user", "Tell me a story.")]);
        var cli = s.Pipeline.Generate(ids, new GenerationOptions { MaxNewTokens = 20, StopIds = s.Pipeline.StopIds.ToArray() });
        var expected = s.Pipeline.Tokenizer.Decode(cli.Generation.GeneratedIds, skipSpecialTokens: true);

        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Tell me a story.")], options);
        Assert.Equal(expected, whole.Content[0].Text);
        Assert.Equal(ids.Length, whole.Usage.InputTokenCount);
        Assert.Equal(cli.Generation.GeneratedIds.Length, whole.Usage.OutputTokenCount);
        Assert.Equal(cli.Generation.StoppedAtStopId ? ChatFinishReason.Stop : ChatFinishReason.Length, whole.FinishReason);

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story.")], options))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(expected, streamed.ToString());
    }

    [SkippableFact]
    public async Task ConcurrentClientsEachGetTheirSoloAnswer()
    {
        await using var s = await OpenAiServer.Start();
        var prompts = s.Golden.Prompts.Where(p => (string?)p["name"] != "len300").ToList();
        var answers = await Task.WhenAll(prompts.Select(p => s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0,
        })));
        for (int i = 0; i < prompts.Count; i++)
            Assert.Equal(s.Pipeline.Tokenizer.Decode(Golden.Ints(prompts[i]["generate"]!["greedy_times0"]), skipSpecialTokens: true),
                (string?)answers[i].Body["choices"]![0]!["text"]);
    }

    [SkippableFact]
    public async Task AStopStringCutsTheTextAndFinishesWithStop()
    {
        await using var s = await OpenAiServer.Start();
        var p = s.Golden.Prompt("len8");
        var full = s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_times0"]), skipSpecialTokens: true);
        // A stop string from the middle of the golden text, spanning whatever tokens it spans.
        var stop = full.Substring(full.Length / 2, 3);
        var (_, body) = await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0, ["stop"] = stop,
        });
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], (string?)body["choices"]![0]!["text"]);
        Assert.Equal("stop", (string?)body["choices"]![0]!["finish_reason"]);
    }

    [SkippableFact]
    public async Task TheSdkWithAWrongKeyGets401()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { ApiKey = "right" });
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client(s, "wrong").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, e.Status);
        ChatCompletion ok = await Client(s, "right").CompleteChatAsync([new UserChatMessage("hi")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 2 });
        Assert.NotNull(ok.Content);
    }

    [SkippableFact]
    public async Task AClientThatDisconnectsFreesTheServer()
    {
        await using var s = await OpenAiServer.Start();
        (await DecodingStream.Start(s)).Dispose(); // generating; now leave
        // Without cancellation this would wait for all 8000 tokens; the deadline only turns a hang into a failure.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var p = s.Golden.Prompt("len8");
        var next = await s.Http.PostAsync("/v1/completions", JsonContent(new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0,
        }), deadline.Token);
        var body = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
        Assert.Equal(s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_times0"]), skipSpecialTokens: true), (string?)body["choices"]![0]!["text"]);
    }

    internal static StringContent JsonContent(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
