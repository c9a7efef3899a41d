using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SlotSharp.Server;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// Log-probabilities, echo, prompt lists and n over HTTP on both backends, checked against golden.json's reference
/// logits (log p = logit - logsumexp) and, where the goldens store nothing, a float64 log-softmax the test computes
/// from the backend's own last-position logits. One test emulates lm-evaluation-harness's local-completions
/// log-likelihood request and sums <c>token_logprobs[ctxlen:-1]</c> as it does.
/// </summary>
public class ScoringServingTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    const double Tol = 2e-4;

    Task<OpenAiServer> Start(string backend) => backend == "torch"
        ? OpenAiServer.Start()
        : OpenAiServer.Start(new ServeSettings { ServedModelName = "tiny-qwen2" }, modelDir: models.F32("tiny-qwen2"));

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task LmEvalLoglikelihoodRequestGivesTheGoldenLogprobsAndEndsWithTheGeneratedToken(string backend)
    {
        await using var s = await Start(backend);
        var prompts = s.Golden.Prompts.Where(p => Golden.Ints(p["input_ids"]).Length >= 8).Take(2).ToArray();
        // lm-evaluation-harness's local-completions payload for loglikelihood requests, as its _create_payload builds it.
        var (status, body) = await s.Post("/v1/completions", new JsonObject
        {
            ["model"] = "tiny-qwen2",
            ["prompt"] = new JsonArray([.. prompts.Select(p => (JsonNode)OpenAiServer.Ids(Golden.Ints(p["input_ids"])))]),
            ["temperature"] = 0, ["max_tokens"] = 1, ["logprobs"] = 1, ["seed"] = 1234, ["echo"] = true,
        });
        Assert.Equal(200, status);
        var choices = body["choices"]!.AsArray();
        Assert.Equal(prompts.Length, choices.Count);
        for (int i = 0; i < prompts.Length; i++)
        {
            var p = prompts[i];
            var ids = Golden.Ints(p["input_ids"]);
            var choice = choices[i]!;
            Assert.Equal(i, (int)choice["index"]!);
            var lp = choice["logprobs"]!;
            var tokenLogprobs = lp["token_logprobs"]!.AsArray();
            Assert.Equal(ids.Length + 1, tokenLogprobs.Count);
            Assert.Null(tokenLogprobs[0]);
            Assert.Null(lp["top_logprobs"]![0]);
            // The generated token is last, with the last position's golden log-probability.
            var last = p["logits_last"]!;
            int argmax = (int)last["argmax"]!;
            Assert.InRange((double)tokenLogprobs[^1]! - ((double)Golden.Doubles(last["values"])[argmax] - (double)last["logsumexp"]!), -Tol, Tol);
            Assert.Equal(s.Pipeline.Tokenizer.Decode([argmax], false, false), (string?)lp["tokens"]![ids.Length]);
            foreach (var at in (JsonArray)p["logits_at"]!)
            {
                int position = (int)at!["position"]!;
                if (position >= ids.Length - 1 || Golden.LogitAt(at, ids[position + 1]) is not { } v) continue;
                Assert.InRange((double)tokenLogprobs[position + 1]! - (v - (double)at["logsumexp"]!), -Tol, Tol);
            }
            // lm-eval: continuation = the last three prompt tokens; sum token_logprobs[ctxlen:-1]; greedy if every
            // continuation token is its position's top token.
            int ctxlen = ids.Length - 3;
            double sum = Enumerable.Range(ctxlen, 3).Sum(k => (double)tokenLogprobs[k]!);
            Assert.True(double.IsFinite(sum) && sum < 0);
            for (int k = ctxlen; k < ids.Length; k++)
            {
                var top = lp["top_logprobs"]![k]!.AsObject();
                Assert.Contains((string)lp["tokens"]![k]!, top.Select(kv => kv.Key)); // the chosen token is always listed
            }
            // Text offsets: each token starts where the previous one's text ends, from 0 (echo includes the prompt).
            var offsets = lp["text_offset"]!.AsArray().Select(o => (int)o!).ToArray();
            var tokens = lp["tokens"]!.AsArray().Select(t => (string)t!).ToArray();
            Assert.Equal(0, offsets[0]);
            for (int k = 1; k < offsets.Length; k++) Assert.Equal(offsets[k - 1] + tokens[k - 1].Length, offsets[k]);
        }
        Assert.Equal(prompts.Sum(p => Golden.Ints(p["input_ids"]).Length), (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(prompts.Length, (int)body["usage"]!["completion_tokens"]!);
    }

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task EchoWithNoNewTokensReturnsThePromptAndItsLogprobsOnly(string backend)
    {
        await using var s = await Start(backend);
        var ids = Golden.Ints(s.Golden.Prompt("len8")["input_ids"]);
        var (status, body) = await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(ids), ["max_tokens"] = 0, ["logprobs"] = 0, ["echo"] = true,
        });
        Assert.Equal(200, status);
        var choice = body["choices"]![0]!;
        Assert.Equal(s.Pipeline.Tokenizer.Decode(ids, false), (string?)choice["text"]);
        Assert.Equal(ids.Length, choice["logprobs"]!["token_logprobs"]!.AsArray().Count);
        Assert.Equal(0, (int)body["usage"]!["completion_tokens"]!);

        // Echo without logprobs: the prompt's text before the generated text, and no logprobs object.
        var (_, plain) = await s.Post("/v1/completions", new JsonObject { ["prompt"] = "Hello there", ["max_tokens"] = 3, ["temperature"] = 0, ["echo"] = true });
        var (_, alone) = await s.Post("/v1/completions", new JsonObject { ["prompt"] = "Hello there", ["max_tokens"] = 3, ["temperature"] = 0 });
        Assert.Equal("Hello there" + (string?)alone["choices"]![0]!["text"], (string?)plain["choices"]![0]!["text"]);
        Assert.Null(plain["choices"]![0]!["logprobs"]);
    }

    /// <summary>The SDK's typed chat logprobs: each token's value is log-softmax of the backend's logits, in float64 here.</summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task ChatLogprobsThroughTheSdkEqualAFloat64LogSoftmaxOfTheModelsLogits(string backend)
    {
        await using var s = await Start(backend);
        var client = new ChatClient("tiny-qwen2", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });
        var messages = new List<OpenAI.Chat.ChatMessage> { new UserChatMessage("Name a prime number.") };
        var completion = (await client.CompleteChatAsync(messages, new ChatCompletionOptions
        {
            Temperature = 0, MaxOutputTokenCount = 1, IncludeLogProbabilities = true, TopLogProbabilityCount = 3,
        })).Value;
        var first = Assert.Single(completion.ContentTokenLogProbabilities);
        Assert.Equal(3, first.TopLogProbabilities.Count);

        // The oracle: the same rendered prompt prefilled on the backend directly, its last logits log-softmaxed in double.
        var ids = s.Pipeline.EncodeChat([SlotSharp.Chat.ChatMessage.User("Name a prime number.")]);
        float[] logits;
        await s.App.StopAsync(); // the server's engine gives the backend back, so the test may drive it directly
        using (var seq = s.Pipeline.Prefill(ids, new SlotSharp.Generation.GenerationOptions { MaxNewTokens = 1 }, keepHidden: false)) logits = seq.Logits.ToArray();
        double max = logits.Max(x => (double)x);
        double lse = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(v => logits[v]).ThenBy(v => v).Take(3).ToArray();
        // The model's repetition penalty (generation_config.json) may choose another token than the argmax; its reported
        // value is still the model's (before the penalty), so it is the oracle's value of a token with that text.
        Assert.Contains(Enumerable.Range(0, logits.Length), v => s.Pipeline.Tokenizer.Decode([v], false, false) == first.Token
            && Math.Abs(first.LogProbability - (logits[v] - lse)) <= 1e-5);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(s.Pipeline.Tokenizer.Decode([order[k]], false, false), first.TopLogProbabilities[k].Token);
            Assert.InRange(first.TopLogProbabilities[k].LogProbability - (logits[order[k]] - lse), -1e-5, 1e-5);
        }
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(first.Token), first.Utf8Bytes!.Value.ToArray());
    }

    /// <summary>
    /// n choices and a prompt list: choice index prompt_index * n + j, each equal to that prompt sent alone with seed
    /// + j (a separate request: its own prefill and SLOT stage), usage counting every choice's tokens.
    /// </summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task PromptListWithNChoicesNumbersChoicesAsOpenAiAndEqualsEachPromptAlone(string backend)
    {
        await using var s = await Start(backend);
        string[] prompts = ["Once upon a time", "The answer is"];
        var slot = new JsonObject { ["times"] = 2, ["lr"] = 0.1 };
        var (status, body) = await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = new JsonArray([.. prompts.Select(p => (JsonNode)p)]), ["n"] = 3, ["max_tokens"] = 6, ["temperature"] = 1,
            ["seed"] = 11, ["slot"] = slot.DeepClone(),
        });
        Assert.Equal(200, status);
        var choices = body["choices"]!.AsArray();
        Assert.Equal(6, choices.Count);
        int completion = 0;
        for (int i = 0; i < prompts.Length; i++)
            for (int j = 0; j < 3; j++)
            {
                var c = choices[i * 3 + j]!;
                Assert.Equal(i * 3 + j, (int)c["index"]!);
                var (_, alone) = await s.Post("/v1/completions", new JsonObject
                {
                    ["prompt"] = prompts[i], ["max_tokens"] = 6, ["temperature"] = 1, ["seed"] = 11 + j, ["slot"] = slot.DeepClone(),
                });
                Assert.Equal((string?)alone["choices"]![0]!["text"], (string?)c["text"]);
                completion += (int)alone["usage"]!["completion_tokens"]!;
            }
        Assert.Equal(completion, (int)body["usage"]!["completion_tokens"]!);
    }

    /// <summary>Chat n through the SDK's protocol method (its typed result shows choice 0 only): n choices, one per index.</summary>
    [SkippableFact]
    public async Task StreamedChatWithNChoicesSendsEachChoicesDeltasUnderItsIndex()
    {
        await using var s = await Start("torch");
        var response = await s.Http.PostAsync("/v1/chat/completions", new StringContent(new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
            ["n"] = 2, ["max_tokens"] = 5, ["temperature"] = 1, ["seed"] = 5, ["stream"] = true, ["logprobs"] = true,
        }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var texts = new System.Text.StringBuilder[] { new(), new() };
        var logprobCounts = new int[2];
        var finishes = new string?[2];
        foreach (var e in events[..^1])
            foreach (var c in JsonNode.Parse(e["data: ".Length..])!["choices"]!.AsArray())
            {
                int index = (int)c!["index"]!;
                texts[index].Append((string?)c["delta"]!["content"]);
                logprobCounts[index] += c["logprobs"]?["content"]?.AsArray().Count ?? 0;
                finishes[index] ??= (string?)c["finish_reason"];
            }
        var (_, whole) = await s.Post("/v1/chat/completions", new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
            ["n"] = 2, ["max_tokens"] = 5, ["temperature"] = 1, ["seed"] = 5, ["logprobs"] = true,
        });
        for (int j = 0; j < 2; j++)
        {
            var c = whole["choices"]![j]!;
            Assert.Equal((string?)c["message"]!["content"], texts[j].ToString());
            Assert.Equal(c["logprobs"]!["content"]!.AsArray().Count, logprobCounts[j]);
            Assert.Equal((string?)c["finish_reason"], finishes[j]);
        }
    }

    /// <summary>
    /// SLOT for scoring over HTTP: fit_tokens K fits on the context only, so the returned delta is the delta of the
    /// context sent alone (another prefill: within the golden's delta bound), and the continuation's log-probabilities
    /// differ from those under the whole-prompt fit.
    /// </summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task FitTokensScoresTheContinuationUnderTheContextsDelta(string backend)
    {
        await using var s = await Start(backend);
        var ids = Golden.Ints(s.Golden.Prompts.MaxBy(p => Golden.Ints(p["input_ids"]).Length)!["input_ids"]);
        int k = ids.Length - 4;
        async Task<JsonObject> Score(int[] prompt, int? fit) => (await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = OpenAiServer.Ids(prompt), ["max_tokens"] = 0, ["logprobs"] = 0, ["echo"] = true,
            ["slot"] = fit is { } f ? new JsonObject { ["times"] = 3, ["lr"] = 0.1, ["fit_tokens"] = f, ["return_delta"] = true }
                                    : new JsonObject { ["times"] = 3, ["lr"] = 0.1, ["return_delta"] = true },
        })).Body;
        static float[] Delta(JsonObject body) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(
            Convert.FromBase64String((string)body["slot"]!["delta"]!)).ToArray();
        var context = Delta(await Score(ids[..k], null));
        var fitted = await Score(ids, k);
        var whole = await Score(ids, null);
        var d = Delta(fitted);
        double diff = Math.Sqrt(context.Zip(d, (x, y) => (double)(x - y) * (x - y)).Sum()), norm = Math.Sqrt(context.Sum(x => (double)x * x));
        Assert.True(diff / norm <= 1e-3, $"fit_tokens delta differs from the context's by {diff / norm:g3}");
        double Continuation(JsonObject body) => Enumerable.Range(k, 4).Sum(j => (double)body["choices"]![0]!["logprobs"]!["token_logprobs"]![j]!);
        Assert.NotEqual(Continuation(whole), Continuation(fitted));
    }

    /// <summary>
    /// Chat n through the SDK's protocol method (its typed options have no n): n choices, each equal to the request
    /// alone with seed + j sent through the typed API.
    /// </summary>
    [SkippableFact]
    public async Task ChatNThroughTheSdkGivesNChoicesEachEqualToTheRequestAloneWithItsSeed()
    {
        await using var s = await Start("torch");
        var client = new ChatClient("tiny-qwen2", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });
        var body = new JsonObject
        {
            ["model"] = "tiny-qwen2", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
            ["n"] = 3, ["temperature"] = 1, ["seed"] = 21, ["max_tokens"] = 6,
        };
        var raw = await client.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(body.ToJsonString())));
        var choices = JsonNode.Parse(raw.GetRawResponse().Content.ToString())!["choices"]!.AsArray();
        Assert.Equal(3, choices.Count);
        for (int j = 0; j < 3; j++)
        {
#pragma warning disable OPENAI001 // the SDK marks Seed as for evaluation
            var options = new ChatCompletionOptions { Temperature = 1, Seed = 21 + j, MaxOutputTokenCount = 6 };
#pragma warning restore OPENAI001
            var alone = (await client.CompleteChatAsync([new UserChatMessage("Hi")], options)).Value;
            Assert.Equal(j, (int)choices[j]!["index"]!);
            Assert.Equal(alone.Content.Count == 0 ? "" : alone.Content[0].Text, (string?)choices[j]!["message"]!["content"]);
        }
    }

    /// <summary>A streamed echo with logprobs concatenates to the whole answer: text, tokens, values and offsets.</summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task StreamedEchoWithLogprobsConcatenatesToTheWholeAnswer(string backend)
    {
        await using var s = await Start(backend);
        var body = new JsonObject { ["prompt"] = "The cat sat on", ["max_tokens"] = 5, ["temperature"] = 0, ["echo"] = true, ["logprobs"] = 2 };
        var (_, whole) = await s.Post("/v1/completions", body);
        var streamBody = (JsonObject)body.DeepClone();
        streamBody["stream"] = true;
        var response = await s.Http.PostAsync("/v1/completions", new StringContent(streamBody.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var text = new System.Text.StringBuilder();
        var tokens = new JsonArray();
        var values = new JsonArray();
        var offsets = new JsonArray();
        foreach (var e in events[..^1])
            foreach (var c in JsonNode.Parse(e["data: ".Length..])!["choices"]!.AsArray())
            {
                text.Append((string?)c!["text"]);
                if (c["logprobs"] is not JsonObject lp) continue;
                foreach (var t in lp["tokens"]!.AsArray()) tokens.Add(t?.DeepClone());
                foreach (var v in lp["token_logprobs"]!.AsArray()) values.Add(v?.DeepClone());
                foreach (var o in lp["text_offset"]!.AsArray()) offsets.Add(o?.DeepClone());
            }
        var expected = whole["choices"]![0]!;
        Assert.StartsWith("The cat sat on", text.ToString());
        Assert.Equal((string?)expected["text"], text.ToString());
        Assert.Equal(expected["logprobs"]!["tokens"]!.ToJsonString(), tokens.ToJsonString());
        // The second request reuses the first one's prompt from the engine's prefix cache, whose last prefill chunk
        // starts elsewhere: equal within the cache's tolerance (docs/engine.md), not bit for bit.
        var wholeValues = expected["logprobs"]!["token_logprobs"]!.AsArray();
        Assert.Equal(wholeValues.Count, values.Count);
        foreach (var (w, v) in wholeValues.Zip(values))
            if (w is null) Assert.Null(v);
            else Assert.InRange((double)v! - (double)w, -1e-4, 1e-4);
        Assert.Equal(expected["logprobs"]!["text_offset"]!.ToJsonString(), offsets.ToJsonString());
    }

    /// <summary>
    /// A client that leaves a streamed request of two prompts with n=3 ends all six choices: the engine gives every
    /// place and KV reservation back (without cancellation they would decode 1000 tokens each).
    /// </summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public async Task LeavingAStreamOfSeveralPromptsAndChoicesFreesAllOfThem(string backend)
    {
        await using var s = await Start(backend);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(new JsonObject
            {
                ["prompt"] = new JsonArray(OpenAiServer.Ids([1, 2, 3]), OpenAiServer.Ids([4, 5])), ["n"] = 3, ["max_tokens"] = 1000,
                ["ignore_eos"] = true, ["stream"] = true, ["temperature"] = 1,
            }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        })
        using (var response = await s.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            for (int events = 0; events < 12;) // decoding now (events are separated by blank lines)
            {
                var line = await reader.ReadLineAsync() ?? "";
                if (line.Length == 0) continue;
                Assert.StartsWith("data: {", line);
                events++;
            }
            Assert.True(s.Pipeline.Model.CurrentEngine!.Metrics.Running > 0);
        } // leave
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var engine = s.Pipeline.Model.CurrentEngine!;
        while (engine.Metrics is { Running: > 0 } or { KvReserved: > 0 })
        {
            Assert.True(DateTime.UtcNow < deadline, $"still running after the client left: {engine.Metrics}");
            await Task.Delay(20);
        }
    }
}
