using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Server;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// Work before the queue is bounded (issue 19, defect 2): a body whose prompt cannot fit the model's context is
/// refused before it is parsed into objects, rendered or tokenized, in a fraction of the time parsing alone takes.
/// The bounds are derived here from tiny-qwen2's own files (config.json's max_position_embeddings, tokenizer.json's
/// longest token string), not from the server's code.
/// </summary>
public sealed class HostileBodyTests
{
    /// <summary>tiny-qwen2's context C (config.json) and its longest token string L in UTF-8 bytes (tokenizer.json).</summary>
    static (int Context, int LongestToken) Bounds()
    {
        var dir = SharedAssets.Require("models", "tiny-qwen2");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")))!;
        var strings = tokenizer["model"]!["vocab"]!.AsObject().Select(kv => kv.Key)
            .Concat(tokenizer["added_tokens"]!.AsArray().Select(a => (string)a!["content"]!));
        return ((int)config["max_position_embeddings"]!, strings.Max(s => Encoding.UTF8.GetByteCount(s)));
    }

    static HttpRequestMessage Json(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    internal static byte[] ManyMessages(int count)
    {
        var messages = new JsonArray();
        for (int i = 0; i < count; i++) messages.Add(new JsonObject { ["role"] = "user", ["content"] = "hi" });
        return Encoding.UTF8.GetBytes(new JsonObject { ["messages"] = messages, ["max_tokens"] = 1 }.ToJsonString());
    }

    /// <summary>Sends <paramref name="body"/>; the status, the error object and the seconds it took.</summary>
    static async Task<(int Status, JsonObject Error, double Seconds)> Send(OpenAiServer s, string path, byte[] body)
    {
        var clock = Stopwatch.StartNew();
        var r = await s.Http.SendAsync(Json(path, body));
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, JsonNode.Parse(text)!["error"]!.AsObject(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>The oracle of "fast": what building the body's objects alone (which the server used to do first) takes here.</summary>
    static double ParseSeconds(byte[] body)
    {
        var clock = Stopwatch.StartNew();
        _ = JsonNode.Parse(body)!.AsObject()["messages"]!.AsArray().Count;
        return clock.Elapsed.TotalSeconds;
    }

    [SkippableTheory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/generate")]
    [InlineData("/tokenize")]
    public async Task TwoHundredThousandMessagesAreRefusedFasterThanParsingThem(string path)
    {
        var (context, _) = Bounds();
        var body = ManyMessages(200_000); // 7 MB, well under the 50 MB body limit
        await using var s = await OpenAiServer.Start();
        double parse = ParseSeconds(body);
        var (status, error, seconds) = await Send(s, path, body);
        Assert.True(status == 400, error.ToJsonString());
        Assert.Equal("messages", (string?)error["param"]);
        Assert.StartsWith($"'messages' holds 200000 messages; at most {context}", (string?)error["message"]);
        // The upload and a scan of the bytes, no object per message: a fraction of the parse (today: the parse, the
        // render of 200,000 messages and their tokenization, several seconds). One second of slack for a loaded machine.
        Assert.True(seconds < parse + 1, $"refused in {seconds:F2} s; parsing the body alone takes {parse:F2} s here");
    }

    [SkippableFact]
    public async Task APromptTextLongerThanAnyTokenizationOfTheContextIsRefused()
    {
        var (context, longest) = Bounds();
        // 2 x C x L bytes is the most a prompt of C tokens can be written in (the factor 2 for a normalizer that shrinks
        // text); one more byte is refused without tokenizing 16 MB.
        long limit = 2L * context * longest;
        var prompt = new string('a', (int)limit + 1);
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["prompt"] = prompt, ["max_tokens"] = 1 }.ToJsonString());
        await using var s = await OpenAiServer.Start();
        var (status, error, _) = await Send(s, "/v1/completions", body);
        Assert.True(status == 400, error.ToJsonString());
        Assert.Equal("prompt", (string?)error["param"]);
        Assert.StartsWith($"'prompt' is {limit + 1} bytes of text; at most {limit}", (string?)error["message"]);
    }

    [SkippableTheory]
    [InlineData("/v1/completions", "prompt")]
    [InlineData("/v1/generate", "prompt_ids")]
    public async Task MoreTokenIdsThanTheContextAreRefusedBeforeTheyAreRead(string path, string field)
    {
        var (context, _) = Bounds();
        var ids = new JsonArray([.. Enumerable.Repeat(1, context + 1).Select(i => (JsonNode)i)]);
        var body = Encoding.UTF8.GetBytes(new JsonObject { [field] = ids }.ToJsonString());
        await using var s = await OpenAiServer.Start();
        var (status, error, _) = await Send(s, path, body);
        Assert.True(status == 400, error.ToJsonString());
        Assert.Equal(field, (string?)error["param"]);
        Assert.StartsWith($"'{field}' holds {context + 1} token ids; at most {context}", (string?)error["message"]);
    }

    [SkippableTheory]
    [InlineData("/v1/completions", "{\"prompt\": \"\\ud800\"}")]
    [InlineData("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"\\udc00\"}]}")]
    public async Task ALoneSurrogateIsLeftToTheParsersOwn400(string path, string body)
    {
        await using var s = await OpenAiServer.Start();
        var (status, error, _) = await Send(s, path, Encoding.UTF8.GetBytes(body));
        Assert.True(status == 400, error.ToJsonString());
    }

    [SkippableFact]
    public async Task AChatWithinTheBoundsIsStillAnswered()
    {
        await using var s = await OpenAiServer.Start();
        var messages = new JsonArray([.. Enumerable.Range(0, 50).Select(i => (JsonNode)new JsonObject { ["role"] = i % 2 == 0 ? "user" : "assistant", ["content"] = "hi" })]);
        var (status, body) = await s.Post("/v1/chat/completions", new JsonObject { ["messages"] = messages, ["max_tokens"] = 1 });
        Assert.True(status == 200, body.ToJsonString());
    }
}
