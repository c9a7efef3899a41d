using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SlotSharp.Generation;
using SlotChatMessage = SlotSharp.Chat.ChatMessage;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// logit_bias, frequency_penalty, presence_penalty and min_p over a real socket (the OpenAI .NET SDK where it has the
/// field), each against an expectation the server did not produce: the golden's logits and tokenizer cases, or a
/// greedy loop here that applies OpenAI's formula to the model's logits.
/// </summary>
public class SamplerFieldTests
{
    static ChatClient Client(OpenAiServer s) =>
        new("tiny-qwen2", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });

    [SkippableFact]
    public async Task TheSdksLogitBiasForcesAndBansTokens()
    {
        await using var s = await OpenAiServer.Start();
        // golden_encode.json (qwen2.5, the tokenizer tiny-qwen2 ships): "Hello world" is [9707, 1879], "Hello" alone 9707.
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 3 };
        options.LogitBiases[9707] = 100;
        ChatCompletion forced = await Client(s).CompleteChatAsync([new UserChatMessage("Tell me a story.")], options);
        Assert.Equal("HelloHelloHello", forced.Content[0].Text);

        // Banning the golden's first greedy token (its argmax) leaves the second largest golden logit.
        var p = s.Golden.Prompt("len8");
        var logits = Golden.Doubles(p["logits_last"]!["values"]);
        int argmax = (int)p["logits_last"]!["argmax"]!;
        int second = Enumerable.Range(0, logits.Length).Where(i => i != argmax).MaxBy(i => logits[i]);
        var (_, banned) = await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 1, ["temperature"] = 0,
            ["logit_bias"] = new JsonObject { [argmax.ToString(System.Globalization.CultureInfo.InvariantCulture)] = -100 },
        });
        Assert.Equal(s.Pipeline.Tokenizer.Decode([second], skipSpecialTokens: true), (string?)banned["choices"]![0]!["text"]);
        Assert.NotEqual(s.Pipeline.Tokenizer.Decode([argmax], skipSpecialTokens: true), (string?)banned["choices"]![0]!["text"]);
    }

    [SkippableFact]
    public async Task TheSdksFrequencyAndPresencePenaltiesFollowOpenAisFormula()
    {
        await using var s = await OpenAiServer.Start();
        const int steps = 12;
        // tiny-qwen2 answers this with one token repeated, by margins a penalty can overturn.
        const string poem = "Write a poem about the sea.";
        var ids = s.Pipeline.EncodeChat([new SlotChatMessage("user", poem)]);
        foreach (var (frequency, presence) in new[] { (1.5f, 0f), (0f, 1.8f), (0.7f, -0.4f) })
        {
            var expected = PenalisedGreedy(s, ids, steps, frequency, presence);
            Assert.NotEqual(PenalisedGreedy(s, ids, steps, 0, 0), expected); // each setting changes this answer
            var options = new ChatCompletionOptions
            {
                Temperature = 0, MaxOutputTokenCount = steps, FrequencyPenalty = frequency, PresencePenalty = presence,
            };
            ChatCompletion answer = await Client(s).CompleteChatAsync([new UserChatMessage(poem)], options);
            Assert.Equal(s.Pipeline.Tokenizer.Decode(expected, skipSpecialTokens: true), answer.Content[0].Text);
        }
    }

    /// <summary>
    /// Greedy decoding by hand: each step prefills the whole sequence, subtracts
    /// frequency * count + presence * (count > 0) over the generated ids, and takes the first maximum.
    /// </summary>
    static int[] PenalisedGreedy(OpenAiServer s, int[] prompt, int steps, double frequency, double presence)
    {
        var generated = new List<int>();
        while (generated.Count < steps)
        {
            using var sequence = s.Pipeline.Prefill([.. prompt, .. generated], new GenerationOptions { MaxNewTokens = 1 }, keepHidden: false);
            var scores = sequence.Logits.Select(x => (double)x).ToArray();
            foreach (var group in generated.GroupBy(id => id)) scores[group.Key] -= frequency * group.Count() + presence;
            int next = 0;
            for (int i = 1; i < scores.Length; i++) if (scores[i] > scores[next]) next = i;
            generated.Add(next);
            if (s.Pipeline.StopIds.Contains(next)) break;
        }
        return [.. generated];
    }

    [SkippableFact]
    public async Task MinPOneSamplesTheGreedyAnswer()
    {
        await using var s = await OpenAiServer.Start();
        var p = s.Golden.Prompt("len8");
        var greedy = s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_times0"]), skipSpecialTokens: true);
        JsonObject Body(double? minP) => new()
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 1, ["seed"] = 3,
            ["min_p"] = minP,
        };
        // min_p 1 keeps only tokens as likely as the most likely one: sampling becomes the golden greedy answer.
        var (status, kept) = await s.Post("/v1/completions", Body(1));
        Assert.Equal(200, status);
        Assert.Equal(greedy, (string?)kept["choices"]![0]!["text"]);
        var (_, sampled) = await s.Post("/v1/completions", Body(null));
        Assert.NotEqual(greedy, (string?)sampled["choices"]![0]!["text"]); // the same seed without min_p samples otherwise
    }
}
