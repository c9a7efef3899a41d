using System.Text.Json;
using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI;
using SlotSharp.Generation;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// Log-probabilities through the IChatClient: asked for with AdditionalProperties "logprobs" / "top_logprobs", returned
/// in the response message's AdditionalProperties["logprobs"] as OpenAI's content list, each value the float64
/// log-softmax of the model's logits for the rendered prompt (computed here from a direct prefill). SLOT off (the
/// client's default runs it, and its bias is part of the reported values), greedy, so the chosen token is the argmax.
/// </summary>
public class ChatClientLogprobsTests
{
    [SkippableFact]
    public async Task LogprobsComeBackAsOpenAisContentListWithTheModelsValues()
    {
        using var model = TestModel.Load(SharedAssets.Require("models", "tiny-qwen2"));
        model.Warn = _ => { };
        var ids = model.EncodeChat([SlotSharp.Chat.ChatMessage.User("Count to three.")]);
        float[] logits;
        using (var seq = model.Prefill(ids, new GenerationOptions { MaxNewTokens = 2 }, keepHidden: false)) logits = seq.Logits.ToArray();
        double max = logits.Max(x => (double)x), lse = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(v => logits[v]).ThenBy(v => v).Take(2).ToArray();

        IChatClient client = new SlotChatClient(model.Engine);
        var options = new ChatOptions { MaxOutputTokens = 3, Temperature = 0, AdditionalProperties = new() { ["logprobs"] = true, ["top_logprobs"] = 2, ["slot_times"] = 0 } };
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Count to three.")], options);
        var content = (JsonElement)response.Messages[0].AdditionalProperties!["logprobs"]!;
        Assert.Equal(response.Usage!.OutputTokenCount, content.GetArrayLength());
        var first = content[0];
        Assert.Equal(model.Tokenizer.Decode([order[0]], false, false), first.GetProperty("token").GetString());
        Assert.InRange(first.GetProperty("logprob").GetDouble() - (logits[order[0]] - lse), -1e-5, 1e-5);
        var top = first.GetProperty("top_logprobs");
        Assert.Equal(2, top.GetArrayLength());
        for (int k = 0; k < 2; k++)
            Assert.InRange(top[k].GetProperty("logprob").GetDouble() - (logits[order[k]] - lse), -1e-5, 1e-5);

        // Streaming: the same list on the last update.
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Count to three.")], options)) updates.Add(u);
        var streamed = (JsonElement)updates[^1].AdditionalProperties!["logprobs"]!;
        // The second request reuses the first one's prompt from the engine's prefix cache: the same tokens, values
        // within the cache's tolerance (docs/engine.md).
        Assert.Equal(content.GetArrayLength(), streamed.GetArrayLength());
        for (int i = 0; i < content.GetArrayLength(); i++)
        {
            Assert.Equal(content[i].GetProperty("token").GetString(), streamed[i].GetProperty("token").GetString());
            Assert.InRange(streamed[i].GetProperty("logprob").GetDouble() - content[i].GetProperty("logprob").GetDouble(), -1e-4, 1e-4);
            var (a, b) = (content[i].GetProperty("top_logprobs"), streamed[i].GetProperty("top_logprobs"));
            Assert.Equal(string.Join("|", a.EnumerateArray().Select(t => t.GetProperty("token").GetString())),
                string.Join("|", b.EnumerateArray().Select(t => t.GetProperty("token").GetString())));
        }

        // top_logprobs without logprobs is refused by name, not ignored.
        var e = await Assert.ThrowsAsync<SlotSharpException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")],
            new ChatOptions { AdditionalProperties = new() { ["top_logprobs"] = 2 } }));
        Assert.Contains("top_logprobs", e.Message);
    }
}
