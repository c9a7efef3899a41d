using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// No request field is silently ignored: an unknown one (at the top, inside "slot", "stream_options" or
/// "response_format") is a 400 naming it; the allow-listed no-ops leave the golden answer as it is; a value under which
/// ignoring a field would change the answer is a 400 naming the field.
/// </summary>
public class RequestFieldTests
{
    static JsonObject Len8(OpenAiServer s, int maxTokens = 24) => new()
    {
        ["prompt"] = OpenAiServer.Ids(Golden.Ints(s.Golden.Prompt("len8")["input_ids"])), ["max_tokens"] = maxTokens, ["temperature"] = 0,
    };

    static string GoldenText(OpenAiServer s) =>
        s.Pipeline.Tokenizer.Decode(Golden.Ints(s.Golden.Prompt("len8")["generate"]!["greedy_times0"]), skipSpecialTokens: true);

    static JsonObject With(JsonObject body, string json)
    {
        foreach (var (key, value) in JsonNode.Parse(json)!.AsObject()) body[key] = value?.DeepClone();
        return body;
    }

    [SkippableFact]
    public async Task UnknownFieldsAreRefusedByTheirFullName()
    {
        await using var s = await OpenAiServer.Start();
        foreach (var (path, extra, param) in new (string, string, string)[]
        {
            ("/v1/completions", """{"tempreature": 0.5}""", "tempreature"),
            ("/v1/completions", """{"slot": {"times": 1, "time": 3}}""", "slot.time"),
            ("/v1/completions", """{"stream": true, "stream_options": {"include_usage": true, "usage": 1}}""", "stream_options.usage"),
            ("/v1/completions", """{"response_format": {"type": "text", "schema": {}}}""", "response_format.schema"),
            ("/v1/completions", """{"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}, "extra": 1}}}""", "response_format.json_schema.extra"),
            ("/v1/completions", """{"structured_outputs": {"jsn": {}}}""", "structured_outputs.jsn"),
            ("/v1/completions", """{"suffix": "end"}""", "suffix"),
            ("/v1/completions", """{"top_logprobs": 2}""", "top_logprobs"), // a chat field
            ("/v1/completions", """{"tools": []}""", "tools"), // tool calling is a chat field
            ("/v1/chat/completions", """{"best_of": 1}""", "best_of"), // a completions field
            ("/v1/chat/completions", """{"functions": []}""", "functions"),
        })
        {
            var body = path.Contains("chat") ? new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), ["max_tokens"] = 2 }
                : Len8(s, 2);
            var (status, answer) = await s.Post(path, With(body, extra));
            Assert.Equal(400, status);
            Assert.Equal(param, (string?)answer["error"]!["param"]);
            Assert.Contains($"'{param}'", (string?)answer["error"]!["message"]);
            Assert.Equal("invalid_request_error", (string?)answer["error"]!["type"]);
        }
        // A null value is an absent field, as the OpenAI SDKs and vLLM treat it.
        Assert.Equal(200, (await s.Post("/v1/completions", With(Len8(s, 2), """{"suffix": null, "slot": {"time": null}}"""))).Status);
    }

    [SkippableFact]
    public async Task AllowListedNoOpsLeaveTheGoldenAnswer()
    {
        await using var s = await OpenAiServer.Start();
        // What the OpenAI SDKs, lighteval, lm-evaluation-harness and vLLM clients send that changes nothing here.
        var body = With(Len8(s), """
            {"model": "tiny-qwen2", "user": "u1", "metadata": {"k": "v"}, "store": false, "service_tier": "auto",
             "safety_identifier": "s", "prompt_cache_key": "c", "logit_bias": {}, "response_format": {"type": "text"},
             "repetition_penalty": 1.0, "max_completion_tokens": 24, "seed": 1234, "stop": [], "n": 1, "best_of": 1,
             "request_id": "r", "session_id": "x", "cache_salt": "salt", "priority": 0, "stream_interval": 4,
             "skip_special_tokens": true, "spaces_between_special_tokens": false, "include_stop_str_in_output": false,
             "min_tokens": 0, "use_beam_search": false, "length_penalty": 1.0, "truncation_side": "left",
             "watermarking": false, "bad_words": [], "return_token_ids": false, "return_tokens_as_token_ids": false,
             "return_token_offsets": true, "return_mm_kwargs": false, "routed_experts_prompt_start": 0,
             "top_k": -1, "min_p": 0, "presence_penalty": 0, "frequency_penalty": 0, "add_special_tokens": true,
             "top_p": 1, "echo": false, "stop_token_ids": []}
            """);
        var (status, answer) = await s.Post("/v1/completions", body);
        Assert.Equal(200, status);
        Assert.Equal(GoldenText(s), (string?)answer["choices"]![0]!["text"]);

        var chat = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), ["max_tokens"] = 2, ["temperature"] = 0,
            ["tools"] = new JsonArray(), ["tool_choice"] = "none", ["parallel_tool_calls"] = true, ["modalities"] = new JsonArray("text"),
            ["include_reasoning"] = true, ["echo"] = false, ["continue_final_message"] = false, ["mm_processor_kwargs"] = new JsonObject(),
            ["return_prompt_text"] = false, ["stream"] = true, ["stream_options"] = new JsonObject { ["include_obfuscation"] = false },
        };
        Assert.Equal(200, (int)(await s.Http.PostAsync("/v1/chat/completions", OpenAiSdkTests.JsonContent(chat))).StatusCode);
    }

    [SkippableFact]
    public async Task ValuesThatWouldChangeTheAnswerAreRefusedByName()
    {
        await using var s = await OpenAiServer.Start();
        var model = s.Pipeline.Model;
        float[] half = new float[model.HiddenSize / 2];
        foreach (var (extra, param) in new (string, string)[]
        {
            ("""{"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "integer", "minimum": 1}}}}""", "response_format"),
            ("""{"response_format": {"type": "json_schema"}}""", "response_format"),
            ("""{"guided_whitespace_pattern": " "}""", "guided_whitespace_pattern"),
            ("""{"skip_special_tokens": false}""", "skip_special_tokens"),
            ("""{"include_stop_str_in_output": true}""", "include_stop_str_in_output"),
            ("""{"min_tokens": 3}""", "min_tokens"),
            ("""{"use_beam_search": true}""", "use_beam_search"),
            ("""{"bad_words": ["x"]}""", "bad_words"),
            ("""{"priority": 1}""", "priority"),
            ("""{"stream": true, "stream_options": {"continuous_usage_stats": true}}""", "stream_options.continuous_usage_stats"),
            ($$$"""{"logit_bias": {"{{{model.VocabSize}}}": 1}}""", "logit_bias"),
            ("""{"logit_bias": {"abc": 1}}""", "logit_bias"),
            ("""{"logit_bias": {"5": 101}}""", "logit_bias"),
            ("""{"presence_penalty": 2.5}""", "presence_penalty"),
            ("""{"frequency_penalty": -3}""", "frequency_penalty"),
            ("""{"min_p": 1.5}""", "min_p"),
            ($$$"""{"stop_token_ids": [{{{model.VocabSize}}}]}""", "stop_token_ids"),
            ("""{"n": 0}""", "n"),
            ("""{"n": 65}""", "n"),
            ("""{"n": 2, "best_of": 1}""", "best_of"),
            ("""{"n": 2, "best_of": 3}""", "best_of"),
            ("""{"logprobs": 21}""", "logprobs"),
            ("""{"slot": {"fit_tokens": 1}}""", "slot.fit_tokens"),
            ("""{"slot": {"delta": "not base64!"}}""", "slot.delta"),
            ($$$"""{"slot": {"delta": "{{{Convert.ToBase64String(new byte[half.Length * 4])}}}"}}""", "slot.delta"),
            ($$$"""{"slot": {"delta": "{{{Convert.ToBase64String(new byte[model.HiddenSize * 4])}}}", "times": 3}}""", "slot.delta"),
            ($$$"""{"slot": {"delta": "{{{Convert.ToBase64String(Nan(model.HiddenSize))}}}"}}""", "slot.delta"),
            ("""{"prompt": []}""", "prompt"),
            ("""{"prompt": ["a", [1, 2]]}""", "prompt"),
            ("""{"prompt": [[1, 2], []]}""", "prompt"),
            ($$$"""{"prompt": [{{{string.Join(", ", Enumerable.Repeat("\"a\"", 257))}}}]}""", "prompt"),
        })
        {
            var (status, answer) = await s.Post("/v1/completions", With(Len8(s, 2), extra));
            Assert.True(status == 400, $"{extra}: {status}");
            Assert.Equal(param, (string?)answer["error"]!["param"]);
        }
        var chat = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) };
        foreach (var (extra, param) in new (string, string)[]
        {
            ("""{"top_logprobs": 2}""", "top_logprobs"),
            ("""{"top_logprobs": 21, "logprobs": true}""", "top_logprobs"),
            ("""{"echo": true}""", "echo"),
            ("""{"continue_final_message": true}""", "continue_final_message"),
            ("""{"modalities": ["text", "audio"]}""", "modalities"),
            ("""{"chat_template_kwargs": {"add_generation_prompt": false}}""", "chat_template_kwargs"),
            ("""{"response_format": {"type": "yaml"}}""", "response_format"),
        })
        {
            var (status, answer) = await s.Post("/v1/chat/completions", With((JsonObject)chat.DeepClone(), extra));
            Assert.True(status == 400, $"{extra}: {status}");
            Assert.Equal(param, (string?)answer["error"]!["param"]);
        }
    }

    static byte[] Nan(int count)
    {
        var bytes = new byte[count * 4];
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, 8);
        return bytes;
    }

    [SkippableFact]
    public async Task PromptListsAndTheEngineFieldsAreParsed()
    {
        await using var s = await OpenAiServer.Start();
        // Forms lm-evaluation-harness sends: a batch of token-id lists with logprobs and echo, and a list of strings.
        var ids = Golden.Ints(s.Golden.Prompt("len8")["input_ids"]);
        var batch = new JsonObject
        {
            ["prompt"] = new JsonArray(OpenAiServer.Ids(ids), OpenAiServer.Ids(ids[..4])), ["max_tokens"] = 1, ["temperature"] = 0,
            ["logprobs"] = 1, ["echo"] = true, ["seed"] = 1234,
        };
        Assert.Equal(200, (await s.Post("/v1/completions", batch)).Status);
        Assert.Equal(200, (await s.Post("/v1/completions", With(Len8(s, 2), """{"prompt": ["Hello", "world"], "n": 2, "best_of": 2}"""))).Status);
        var chat = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), ["max_tokens"] = 2,
            ["logprobs"] = true, ["top_logprobs"] = 5, ["slot"] = new JsonObject { ["times"] = 1, ["fit_tokens"] = 2 },
        };
        Assert.Equal(200, (await s.Post("/v1/chat/completions", chat)).Status);
    }
}
