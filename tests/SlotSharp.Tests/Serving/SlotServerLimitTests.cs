using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SlotSharp.Server;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Serving;

/// <summary>`slot serve` answers 400 naming the lengths when a request would run past max_position_embeddings.</summary>
public class SlotServerLimitTests
{
    [SkippableFact]
    public async Task LongContextIsA400NamingTheLengthsUnlessTheRequestAllowsIt()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompt("len300");
        var greedy = Golden.Ints(p["generate"]!["greedy_times0"]);
        using var pipeline = TestModel.Load(golden.ModelDir);
        await using var app = new SlotServer(pipeline.Model, new SlotOptions { Times = 0 }).Build("http://127.0.0.1:0");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        JsonObject Request(int maxNew) => new()
        {
            ["prompt_ids"] = new JsonArray([.. Golden.Ints(p["input_ids"]).Select(i => (JsonNode)i)]), ["max_new_tokens"] = maxNew,
        };

        foreach (var maxNew in new[] { 304, 1_000_000_000 })
        {
            var r = await http.PostAsJsonAsync("/v1/generate", Request(maxNew));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            var error = (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["message"];
            Assert.Contains("298", error);
            Assert.Contains(maxNew.ToString(), error);
            Assert.Contains("max_position_embeddings (512)", error);
            Assert.Contains("'allow_long_context'", error);
        }

        var allowedRequest = Request(304);
        allowedRequest["allow_long_context"] = true;
        var allowed = await http.PostAsJsonAsync("/v1/generate", allowedRequest);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var generated = Golden.Ints((await allowed.Content.ReadFromJsonAsync<JsonObject>())!["generated_ids"]);
        Assert.Equal(304, generated.Length);
        Assert.Equal(greedy, generated[..greedy.Length]);

        var tooManySteps = await http.PostAsJsonAsync("/v1/generate", new JsonObject { ["prompt_ids"] = new JsonArray(1, 2), ["times"] = 1001 });
        Assert.Equal(HttpStatusCode.BadRequest, tooManySteps.StatusCode);
        Assert.Contains("'times'", (string?)(await tooManySteps.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["message"]);
        await app.StopAsync();
    }

    [SkippableFact]
    public async Task AServerWideAllowanceAppliesToEveryRequest()
    {
        var golden = Golden.Load("stories260K");
        var ids = Golden.Ints(golden.Prompt("len300")["input_ids"]);
        using var pipeline = TestModel.Load(golden.ModelDir);
        await using var app = new SlotServer(pipeline.Model, new SlotOptions { Times = 0 }, allowLongContext: true).Build("http://127.0.0.1:0");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var r = await http.PostAsJsonAsync("/v1/generate", new JsonObject
        {
            ["prompt_ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]), ["max_new_tokens"] = 304,
        });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        await app.StopAsync();
    }
}
