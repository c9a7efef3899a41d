using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SlotSharp.Server;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// POST /tokenize, POST /detokenize and GET /tokenizer_info in vLLM's shapes, against the Hugging Face goldens of the
/// tokenizer tiny-qwen2 ships (shared/tokenizers/qwen2.5: the same tokenizer.json content and chat template).
/// </summary>
public class TokenizerRouteTests
{
    static JsonArray Cases(string file) => JsonNode.Parse(File.ReadAllText(SharedAssets.Require("tokenizers", "qwen2.5", file)))!.AsArray();

    [SkippableFact]
    public async Task TokenizeAndDetokenizeMatchTheEncodeGoldens()
    {
        var cases = Cases("golden_encode.json");
        await using var s = await OpenAiServer.Start();
        foreach (var c in cases.Cast<JsonObject>())
        {
            var text = (string)c["text"]!;
            var (status, plain) = await s.Post("/tokenize", new JsonObject { ["prompt"] = text, ["return_token_strs"] = true });
            Assert.Equal(200, status);
            Assert.Equal(Golden.Ints(c["ids"]), Golden.Ints(plain["tokens"]));
            Assert.Equal(c["ids"]!.AsArray().Count, (int)plain["count"]!);
            Assert.Equal(32768, (int)plain["max_model_len"]!); // config.json's max_position_embeddings
            Assert.Equal(((JsonArray)c["tokens"]!).Select(t => (string?)t), ((JsonArray)plain["token_strs"]!).Select(t => (string?)t));

            var (_, noSpecial) = await s.Post("/tokenize", new JsonObject { ["model"] = "tiny-qwen2", ["prompt"] = text, ["add_special_tokens"] = false });
            Assert.Equal(Golden.Ints(c["ids_no_special"]), Golden.Ints(noSpecial["tokens"]));
            Assert.Null(noSpecial["token_strs"]);

            var (_, decoded) = await s.Post("/detokenize", new JsonObject { ["tokens"] = c["ids"]!.DeepClone() });
            Assert.Equal((string?)c["decoded"], (string?)decoded["prompt"]);
        }
    }

    [SkippableFact]
    public async Task TokenizingMessagesMatchesTheChatGoldens()
    {
        var cases = Cases("golden_chat.json").Cast<JsonObject>().Where(c => c["tools"] == null).ToList();
        await using var s = await OpenAiServer.Start();
        Assert.Contains(cases, c => !(bool)c["add_generation_prompt"]!); // both defaults of the flag are exercised
        foreach (var c in cases)
        {
            var body = new JsonObject { ["messages"] = c["messages"]!.DeepClone() };
            // add_generation_prompt defaults to true, as in vLLM: send it only when it is false.
            if (!(bool)c["add_generation_prompt"]!) body["add_generation_prompt"] = false;
            var (status, answer) = await s.Post("/tokenize", body);
            Assert.Equal(200, status);
            Assert.Equal(Golden.Ints(c["ids"]), Golden.Ints(answer["tokens"]));
        }
    }

    [SkippableFact]
    public async Task TokenizerInfoGivesWhatLmEvaluationHarnessReads()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { ApiKey = "k" });
        // lm-evaluation-harness sends its key to these routes too; without it they are refused like /v1/*.
        Assert.Equal(401, (int)(await s.Http.GetAsync("/tokenizer_info")).StatusCode);
        Assert.Equal(401, (int)(await s.Http.PostAsync("/tokenize", OpenAiSdkTests.JsonContent(new JsonObject { ["prompt"] = "a" }))).StatusCode);
        s.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "k");

        var info = JsonNode.Parse(await s.Http.GetStringAsync("/tokenizer_info"))!;
        Assert.Equal("<|im_end|>", (string?)info["eos_token"]);
        Assert.Null((string?)info["bos_token"]);
        Assert.Equal("<|endoftext|>", (string?)info["pad_token"]);
        Assert.Equal(File.ReadAllText(SharedAssets.Require("tokenizers", "qwen2.5", "chat_template.jinja")), (string?)info["chat_template"]);
        // The harness takes eos_token_id as /tokenize's first id of eos_token (add_special_tokens false): config.json's 151645.
        var (_, eos) = await s.Post("/tokenize", new JsonObject { ["prompt"] = (string?)info["eos_token"], ["add_special_tokens"] = false });
        Assert.Equal([151645], Golden.Ints(eos["tokens"]));

        // The harness's probes and refusals are OpenAI-shaped like the other routes'.
        var (status, error) = await s.Post("/tokenize", new JsonObject { ["prompt"] = "a", ["model"] = "other" });
        Assert.Equal((404, "model"), (status, (string?)error["error"]!["param"]));
        (status, error) = await s.Post("/tokenize", new JsonObject { ["prompt"] = "a", ["add_generation_prompt"] = true });
        Assert.Equal((400, "add_generation_prompt"), (status, (string?)error["error"]!["param"]));
        (status, error) = await s.Post("/detokenize", new JsonObject { ["tokens"] = new JsonArray(-1) });
        Assert.Equal((400, "tokens"), (status, (string?)error["error"]!["param"]));
        (status, error) = await s.Post("/tokenize", new JsonObject());
        Assert.Equal((400, "prompt"), (status, (string?)error["error"]!["param"]));
    }
}
