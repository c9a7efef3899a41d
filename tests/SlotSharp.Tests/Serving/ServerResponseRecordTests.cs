using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Server;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// Every response is in OpenAI's error shape when it is an error, counted in /metrics with its status and written to
/// the access log, whatever path it took (issue 19, defect 6: an invalid UTF-8 property name was a 500 with an empty
/// body, guard refusals were missing from /metrics, /v1/generate's errors were a bare string).
/// </summary>
public sealed class ServerResponseRecordTests
{
    static HttpRequestMessage Raw(string path, byte[] body, string type = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    static async Task<(int Status, JsonObject Error)> Send(OpenAiServer s, HttpRequestMessage request)
    {
        var r = await s.Http.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"{request.RequestUri}: status {(int)r.StatusCode} with an empty body");
        return ((int)r.StatusCode, JsonNode.Parse(text)!["error"]!.AsObject());
    }

    // {"\xff": 1} and {"prompt": [1], "\xc3\x28": 2}: property names that are not UTF-8.
    static readonly byte[][] InvalidNames = [[.. "{\""u8, 0xFF, .. "\": 1}"u8], [.. "{\"prompt\": [1], \""u8, 0xC3, 0x28, .. "\": 2}"u8]];

    [SkippableTheory]
    [InlineData("/v1/completions")]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/generate")]
    public async Task InvalidUtf8PropertyNameIsA400InOpenAisShape(string path)
    {
        await using var s = await OpenAiServer.Start();
        foreach (var body in InvalidNames)
        {
            var (status, error) = await Send(s, Raw(path, body));
            Assert.True(status == 400, error.ToJsonString());
            Assert.Equal("invalid_request_error", (string?)error["type"]);
            Assert.Contains("UTF-8", (string?)error["message"]);
        }
    }

    [SkippableFact]
    public async Task GenerateErrorsAreInOpenAisShape()
    {
        await using var s = await OpenAiServer.Start();
        var (status, error) = await Send(s, Raw("/v1/generate", "{\"prompt_ids\": [1], \"times\": -1}"u8.ToArray()));
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("'times'", (string?)error["message"]);
        var (status2, error2) = await Send(s, Raw("/v1/generate", "{not json"u8.ToArray()));
        Assert.Equal(400, status2);
        Assert.NotNull((string?)error2["message"]);
        var (status3, error3) = await Send(s, Raw("/v1/generate", "{\"prompt_ids\": [1], \"prompt_ids\": [2]}"u8.ToArray()));
        Assert.Equal(400, status3);
        Assert.Contains("prompt_ids", (string?)error3["message"]);
    }

    [SkippableFact]
    public async Task EveryStatusIsCountedInMetricsWhateverPathItTook()
    {
        await using var s = await OpenAiServer.Start(new ServeSettings { ApiKey = "k", MaxBodyBytes = 1 << 12, AllowedOrigins = ["http://ok.example"] });
        HttpRequestMessage Keyed(HttpRequestMessage m) { m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "k"); return m; }
        Assert.Equal(401, (await Send(s, new HttpRequestMessage(HttpMethod.Get, "/v1/models"))).Status);
        var evil = Keyed(new HttpRequestMessage(HttpMethod.Get, "/v1/models"));
        evil.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(403, (await Send(s, evil)).Status);
        Assert.Equal(413, (await Send(s, Keyed(Raw("/v1/completions", new byte[1 << 13])))).Status);
        Assert.Equal(415, (await Send(s, Keyed(Raw("/v1/completions", "{}"u8.ToArray(), "text/plain")))).Status);
        Assert.Equal(400, (await Send(s, Keyed(Raw("/v1/chat/completions", InvalidNames[0])))).Status);
        Assert.Equal(400, (await Send(s, Keyed(Raw("/v1/generate", "{\"prompt_ids\": [1], \"times\": -1}"u8.ToArray())))).Status);
        Assert.Equal(404, (await Send(s, Keyed(new HttpRequestMessage(HttpMethod.Get, "/v1/nothing")))).Status);
        // A response is counted once its last byte is sent, which the client may see first: scrape until it shows.
        foreach (var line in new[]
                 {
                     "slot_requests_total{route=\"models\",status=\"401\"} 1", "slot_requests_total{route=\"models\",status=\"403\"} 1",
                     "slot_requests_total{route=\"completions\",status=\"413\"} 1", "slot_requests_total{route=\"completions\",status=\"415\"} 1",
                     "slot_requests_total{route=\"chat\",status=\"400\"} 1", "slot_requests_total{route=\"generate\",status=\"400\"} 1",
                     "slot_requests_total{route=\"other\",status=\"404\"} 1",
                 })
            await s.WaitForMetric(line);
    }

    [SkippableFact]
    public async Task AccessLogIsOneLinePerRequestWithoutBodiesOrKeys()
    {
        var log = new StringWriter();
        await using var s = await OpenAiServer.Start(new ServeSettings { ApiKey = "secret-key", AccessLog = log });
        var request = Raw("/v1/completions", """{"prompt": [1, 2, 3], "max_tokens": 4, "ignore_eos": true, "user": "private-text"}"""u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-key");
        Assert.Equal(200, (int)(await s.Http.SendAsync(request)).StatusCode);
        Assert.Equal(401, (int)(await s.Http.GetAsync("/v1/models?api_key=secret-key")).StatusCode);
        await s.App.StopAsync();
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^POST /v1/completions 200 prompt_tokens=3 completion_tokens=4 \d+\.\d ms$", lines[0]);
        Assert.Matches(@"^GET /v1/models 401 prompt_tokens=0 completion_tokens=0 \d+\.\d ms$", lines[1]);
        Assert.DoesNotContain("secret-key", log.ToString());
        Assert.DoesNotContain("private-text", log.ToString());
    }

    [SkippableFact]
    public void ApiKeyComparisonHasTheSameLengthWhateverTheKey()
    {
        // Constant-time comparison of equal-length digests: a short and a long header take the same path.
        Assert.Equal(32, RequestGuards.KeyDigest("Bearer k").Length);
        Assert.Equal(32, RequestGuards.KeyDigest("Bearer " + new string('x', 1000)).Length);
    }

    [SkippableFact]
    public async Task ServeHasAQuietFlagForTheAccessLog()
    {
        var help = SlotProcess.Run("serve", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--quiet", help.Out);
        await Task.CompletedTask;
    }
}
