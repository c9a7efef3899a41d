using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Server;

namespace SlotSharp.Tests.Serving;

/// <summary>Every refusal of the OpenAI routes is OpenAI's error JSON with the right status, naming the field.</summary>
public class OpenAiErrorTests
{
    static async Task<(int Status, JsonObject Error)> Send(OpenAiServer s, HttpRequestMessage request)
    {
        var r = await s.Http.SendAsync(request);
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();
        return ((int)r.StatusCode, body["error"]!.AsObject());
    }

    static HttpRequestMessage Post(string path, string body, string type = "application/json") =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, type) };

    [SkippableFact]
    public async Task BadRequestsAreOpenAiErrorsNamingTheField()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { MaxBodyBytes = 1 << 16, MaxTokensLimit = 100 });
        foreach (var (body, status, param) in new (string, int, string?)[]
        {
            ("{not json", 400, null),
            ("""{"prompt": [1, 2], "max_tokens": -1}""", 400, "max_tokens"),
            ("""{"prompt": [1, 2], "max_tokens": 101}""", 400, "max_tokens"),
            ("""{"prompt": [1, 2], "max_tokens": "5"}""", 400, "max_tokens"),
            ("""{"prompt": [1, 2], "temperature": 2.5}""", 400, "temperature"),
            ("""{"prompt": [1, 2], "slot": {"times": 1001}}""", 400, "slot.times"),
            ("""{"prompt": [1, 2], "slot": {"lr": -1}}""", 400, "slot.lr"),
            ("""{"prompt": [1, 2], "slot": {"optimizer": "sgd"}}""", 400, "slot.optimizer"),
            ("""{"prompt": [999999999]}""", 400, "prompt"),
            ("""{"prompt": "\ud800"}""", 400, "prompt"),
            ("""{"prompt": [1], "model": "gpt-4"}""", 404, "model"),
            ("[1]", 400, null),
            ("""{"prompt": [1], "prompt": [2]}""", 400, null), // which copy would count is anyone's guess
        })
        {
            var (code, error) = await Send(s, Post("/v1/completions", body));
            Assert.Equal(status, code);
            Assert.Equal(param, (string?)error["param"]);
            Assert.NotNull((string?)error["message"]);
        }
        var (c, e) = await Send(s, Post("/v1/chat/completions", """{"messages": "hi"}"""));
        Assert.Equal((400, "messages"), (c, (string?)e["param"]));
        var (c2, _) = await Send(s, Post("/v1/completions", "{}", "text/plain"));
        Assert.Equal(415, c2);
        var (c3, _) = await Send(s, Post("/v1/completions", $$"""{"prompt": "{{new string('a', 1 << 17)}}"}"""));
        Assert.Equal(413, c3);
        var (c4, _) = await Send(s, new HttpRequestMessage(HttpMethod.Get, "/v1/nothing"));
        Assert.Equal(404, c4);
        var (c5, _) = await Send(s, new HttpRequestMessage(HttpMethod.Get, "/v1/completions"));
        Assert.Equal(405, c5);
    }

    [SkippableFact]
    public async Task ContextOverflowNamesBothLengths()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { MaxTokensLimit = 40000 });
        var (code, error) = await Send(s, Post("/v1/completions", """{"prompt": [1, 2, 3], "max_tokens": 32766}"""));
        Assert.Equal(400, code);
        Assert.Contains("(3 tokens)", (string?)error["message"]);
        Assert.Contains("(32766)", (string?)error["message"]);
        Assert.Contains("(32768)", (string?)error["message"]);
    }

    [SkippableFact]
    public async Task HostOriginAndKeyChecks()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { ApiKey = "k", AllowedOrigins = ["http://ok.example"] });
        var evilHost = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        evilHost.Headers.Host = "attacker.example";
        Assert.Equal(400, (await Send(s, evilHost)).Status);

        var evilOrigin = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        evilOrigin.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(403, (await Send(s, evilOrigin)).Status);

        Assert.Equal(401, (await Send(s, new HttpRequestMessage(HttpMethod.Get, "/v1/models"))).Status);

        var good = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        good.Headers.Add("Origin", "http://ok.example");
        good.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "k");
        var r = await s.Http.SendAsync(good);
        Assert.Equal("tiny-qwen2", (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["data"]![0]!["id"]);
        Assert.Equal("http://ok.example", r.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [SkippableFact]
    public async Task MetricsCountRequestsAndTokens()
    {
        await using var s = await OpenAiServer.Start();
        await s.Post("/v1/completions", new JsonObject { ["prompt"] = OpenAiServer.Ids([1, 2, 3]), ["max_tokens"] = 4, ["ignore_eos"] = true });
        // A response is counted once its last byte is sent, which the client may see first.
        await s.WaitForMetric("slot_requests_total{route=\"completions\",status=\"200\"} 1");
        var text = await s.Http.GetStringAsync("/metrics");
        Assert.Contains("slot_prompt_tokens_total 3", text);
        Assert.Contains("slot_generation_tokens_total 4", text);
        Assert.Contains("slot_queue_length 0", text);
    }
}
