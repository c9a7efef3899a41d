using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;
using SlotSharp.Server;
using SlotSharp.Generation;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// `slot serve` on the llama.cpp backend: tiny-qwen2 converted to an F32 GGUF (no tokenizer.json beside it, so the
/// GGUF's own vocabulary and chat template), driven over a real socket by the official OpenAI SDK and HttpClient.
/// Greedy completions of the golden prompts must decode to the golden tokens, plain and with per-request SLOT.
/// </summary>
public class OpenAiSdkLlamaCppTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    Task<OpenAiServer> Start() =>
        OpenAiServer.Start(new ServeSettings { ServedModelName = "tiny-qwen2" }, modelDir: models.F32("tiny-qwen2"));

    [SkippableFact]
    public async Task CompletionsOfGoldenPromptIdsDecodeToTheGoldenTokens()
    {
        await using var s = await Start();
        Assert.Equal("llamacpp", s.Pipeline.Backend.Name);
        foreach (var p in s.Golden.Prompts.Where(p => (string?)p["name"] is "len8" or "len60"))
        {
            foreach (var (field, slot) in new[] { ("greedy_times0", (JsonObject?)null), ("greedy_seed_times5_lr0.1", new JsonObject { ["times"] = 5, ["lr"] = 0.1 }) })
            {
                var body = new JsonObject
                {
                    ["model"] = "tiny-qwen2", ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0,
                };
                if (slot != null) body["slot"] = slot;
                var (status, answer) = await s.Post("/v1/completions", body);
                Assert.Equal(200, status);
                var expected = s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]![field]), skipSpecialTokens: true);
                Assert.Equal(expected, (string?)answer["choices"]![0]!["text"]);
                Assert.Equal(24, (int)answer["usage"]!["completion_tokens"]!);
            }
        }
    }

    [SkippableFact]
    public async Task ChatThroughTheSdkEqualsThePipelineTextStreamedOrNot()
    {
        await using var s = await Start();
        var client = new ChatClient("tiny-qwen2", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 20 };
        var ids = s.Pipeline.EncodeChat([new SlotChatMessage("user", "Tell me a story.")]);
        var solo = s.Pipeline.Generate(ids, new GenerationOptions { MaxNewTokens = 20, StopIds = s.Pipeline.StopIds.ToArray() });
        var expected = s.Pipeline.Tokenizer.Decode(solo.Generation.GeneratedIds, skipSpecialTokens: true);

        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Tell me a story.")], options);
        Assert.Equal(expected, whole.Content[0].Text);
        Assert.Equal(ids.Length, whole.Usage.InputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story.")], options))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(expected, streamed.ToString());
    }
}
