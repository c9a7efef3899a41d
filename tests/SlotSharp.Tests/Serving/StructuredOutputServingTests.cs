using System.ClientModel;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using OpenAI;
using OpenAI.Chat;
using SlotSharp.Server;
using SlotSharp.Tests.Generation.Constraints;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// Structured outputs through `slot serve` on both backends (tiny-qwen2 with random weights: it knows no JSON): the
/// official OpenAI SDK's json_schema call, vLLM's extras, n choices and concurrent requests decoding in one batch,
/// SLOT on and off, streamed; every finished output is checked by JsonSchema.Net, .NET's regex or the choice list.
/// </summary>
public class StructuredOutputServingTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    Task<OpenAiServer> Start(string backend) => backend == "torch"
        ? OpenAiServer.Start()
        : OpenAiServer.Start(new ServeSettings { ServedModelName = "tiny-qwen2" }, modelDir: models.F32("tiny-qwen2"));

    public static TheoryData<string> Backends => new() { "torch", "llamacpp" };

    static JsonObject Chat(JsonObject extra, int maxTokens = 300, double temperature = 1.0)
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Describe someone as JSON." }),
            ["max_tokens"] = maxTokens, ["temperature"] = temperature, ["seed"] = 7,
        };
        foreach (var (k, v) in extra) body[k] = v?.DeepClone();
        return body;
    }

    static JsonObject SchemaFormat(string schema) => new()
    {
        ["type"] = "json_schema",
        ["json_schema"] = new JsonObject { ["name"] = "answer", ["strict"] = true, ["schema"] = JsonNode.Parse(schema) },
    };

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task TheOpenAiSdksJsonSchemaCallReturnsValidJson(string backend)
    {
        await using var s = await Start(backend);
        var client = new ChatClient("tiny-qwen2", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(s.BaseUri, "/v1") });
        var options = new ChatCompletionOptions
        {
            Temperature = 1, MaxOutputTokenCount = 300,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", BinaryData.FromString(SchemaSamples.Strict), jsonSchemaIsStrict: true),
        };
        var validator = JsonSchema.FromText(SchemaSamples.Strict);
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Answer as JSON.")], options);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        using var doc = JsonDocument.Parse(completion.Content[0].Text);
        Assert.True(validator.Evaluate(doc.RootElement).IsValid, completion.Content[0].Text);

        options.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();
        completion = await client.CompleteChatAsync([new UserChatMessage("Answer as JSON.")], options);
        if (completion.FinishReason == ChatFinishReason.Stop)
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(completion.Content[0].Text).RootElement.ValueKind);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task EveryChoiceOfABatchedRequestIsValidWithSlotOnAndOff(string backend)
    {
        await using var s = await Start(backend);
        // "mixed" has unbounded parts (a map's keys, an "anything" value) the random model rambles in past max_tokens;
        // SampledValidityTests covers it with more generations.
        foreach (var (name, schema) in SchemaSamples.All.Where(x => x.Name != "mixed"))
        {
            var validator = JsonSchema.FromText(schema);
            foreach (var slot in new JsonObject?[] { null, new() { ["times"] = 3, ["lr"] = 0.1 } })
            {
                // n = 8: the most sequences the engine decodes at once, so the choices decode in one batch.
                var extra = new JsonObject { ["response_format"] = SchemaFormat(schema), ["n"] = 8 };
                if (slot != null) extra["slot"] = slot;
                var (status, body) = await s.Post("/v1/chat/completions", Chat(extra));
                Assert.True(status == 200, body.ToJsonString());
                int finished = 0;
                foreach (var choice in body["choices"]!.AsArray())
                {
                    if ((string?)choice!["finish_reason"] != "stop") { Assert.Equal("length", (string?)choice["finish_reason"]); continue; }
                    finished++;
                    string text = (string)choice["message"]!["content"]!;
                    using var doc = JsonDocument.Parse(text);
                    Assert.True(validator.Evaluate(doc.RootElement).IsValid, $"{backend} {name}: {text}");
                }
                Assert.True(finished > 0, $"{backend} {name}: no choice finished");
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task ConcurrentRequestsEachKeepTheirOwnConstraint(string backend)
    {
        await using var s = await Start(backend);
        string[] choices = ["alpha", "beta", "gamma delta"];
        const string pattern = @"\d{2}-[a-z]{3}";
        var requests = new List<(string Kind, Task<(int, JsonObject)> Answer)>();
        for (int i = 0; i < 8; i++)
        {
            var extra = (i % 4) switch
            {
                0 => new JsonObject { ["guided_choice"] = new JsonArray([.. choices.Select(c => (JsonNode)c)]) },
                1 => new JsonObject { ["guided_regex"] = pattern },
                2 => new JsonObject { ["structured_outputs"] = new JsonObject { ["json"] = JsonNode.Parse(SchemaSamples.Person) } },
                _ => new JsonObject { ["response_format"] = new JsonObject { ["type"] = "json_object" } },
            };
            extra["seed"] = i;
            requests.Add(((i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), s.Post("/v1/chat/completions", Chat(extra))));
        }
        var person = JsonSchema.FromText(SchemaSamples.Person);
        foreach (var (kind, task) in requests)
        {
            var (status, body) = await task;
            Assert.Equal(200, status);
            var choice = body["choices"]![0]!;
            string text = (string)choice["message"]!["content"]!;
            if ((string?)choice["finish_reason"] != "stop") continue;
            switch (kind)
            {
                case "0": Assert.Contains(text, choices); break;
                case "1": Assert.Matches("^" + pattern + "$", text); break;
                case "2": Assert.True(person.Evaluate(JsonDocument.Parse(text).RootElement).IsValid, text); break;
                default: Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind); break;
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task AStreamedConstrainedAnswerConcatenatesToAValidOne(string backend)
    {
        await using var s = await Start(backend);
        string[] choices = ["the first answer", "another one", "no"];
        var body = Chat(new JsonObject { ["guided_choice"] = new JsonArray([.. choices.Select(c => (JsonNode)c)]), ["stream"] = true, ["n"] = 3 });
        var response = await s.Http.PostAsJsonAsync("/v1/chat/completions", body);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var texts = new StringBuilder[3];
        for (int i = 0; i < 3; i++) texts[i] = new StringBuilder();
        var reasons = new string?[3];
        foreach (var e in events[..^1])
            foreach (var c in JsonNode.Parse(e["data: ".Length..])!["choices"]!.AsArray())
            {
                int index = (int)c!["index"]!;
                texts[index].Append((string?)c["delta"]?["content"]);
                reasons[index] ??= (string?)c["finish_reason"];
            }
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("stop", reasons[i]);
            Assert.Contains(texts[i].ToString(), choices);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task AGrammarThatCannotFinishEndsWithLength(string backend)
    {
        await using var s = await Start(backend);
        var (status, body) = await s.Post("/v1/completions", new JsonObject
        {
            ["prompt"] = "x", ["max_tokens"] = 12, ["guided_grammar"] = "root ::= \"ab\" root\n", ["temperature"] = 0,
        });
        Assert.Equal(200, status);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.StartsWith("abab", (string)body["choices"]![0]!["text"]!, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"integer\", \"minimum\": 3}}}}", "response_format", "'minimum'")]
    [InlineData("{\"guided_regex\": \"a(?=b)\"}", "guided_regex", "(?...)")]
    [InlineData("{\"guided_grammar\": \"root ::= root \\\"a\\\"\\n\"}", "guided_grammar", "left-recursive")]
    [InlineData("{\"guided_choice\": [\"a\"], \"guided_regex\": \"b\"}", "guided_choice", "one output constraint")]
    [InlineData("{\"response_format\": {\"type\": \"yaml\"}}", "response_format", "json_schema")]
    [InlineData("{\"structured_outputs\": {\"json\": {\"type\": \"object\", \"patternProperties\": {}}}}", "structured_outputs", "'patternProperties'")]
    public async Task UnsupportedOrHostileConstraintsAre400sNamingTheField(string extra, string param, string message)
    {
        await using var s = await OpenAiServer.Start();
        var (status, body) = await s.Post("/v1/chat/completions", Chat(JsonNode.Parse(extra)!.AsObject()));
        Assert.Equal(400, status);
        Assert.Equal(param, (string?)body["error"]!["param"]);
        Assert.Contains(message, (string)body["error"]!["message"]!, StringComparison.Ordinal);
    }
}
