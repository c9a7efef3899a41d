using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SlotSharp.Server;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Serving;

/// <summary>`slot serve` in-process on 127.0.0.1 (a free port), against the goldens.</summary>
public class SlotServerTests
{
    [SkippableFact]
    public async Task GenerateOverHttpMatchesTheGoldenAndNamesBadFields()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        using var pipeline = TestModel.Load(golden.ModelDir);
        await using var app = new SlotServer(pipeline.Model, new SlotOptions { Times = 0 }).Build("http://127.0.0.1:0");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var health = await http.GetFromJsonAsync<JsonObject>("/health");
        Assert.Equal("tiny-qwen2", (string?)health!["model"]);

        var response = await http.PostAsJsonAsync("/v1/generate", new JsonObject
        {
            ["prompt_ids"] = new JsonArray([.. Golden.Ints(p["input_ids"]).Select(i => (JsonNode)i)]),
            ["max_new_tokens"] = 24, ["times"] = 5, ["lr"] = 0.1,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_seed_times5_lr0.1"]), Golden.Ints(body["generated_ids"]));
        Assert.Equal(6, ((JsonArray)body["slot"]!["losses"]!).Count);

        // Server default times 0: plain generation.
        var plain = await http.PostAsJsonAsync("/v1/generate", new JsonObject
        {
            ["prompt_ids"] = new JsonArray([.. Golden.Ints(p["input_ids"]).Select(i => (JsonNode)i)]), ["max_new_tokens"] = 24,
        });
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), Golden.Ints((await plain.Content.ReadFromJsonAsync<JsonObject>())!["generated_ids"]));

        foreach (var (bad, named) in new (JsonObject, string)[]
        {
            (new JsonObject { ["prompt"] = "a", ["prompt_ids"] = new JsonArray(1) }, "exactly one of"),
            (new JsonObject { ["prompt_ids"] = new JsonArray(1, 2), ["lr"] = -1 }, "'lr'"),
            (new JsonObject { ["prompt_ids"] = new JsonArray(1, 2), ["top_p"] = 2 }, "'top_p' must be in (0, 1], got 2"),
            (new JsonObject { ["prompt_ids"] = new JsonArray(1, 2), ["temperature"] = -1 }, "'temperature' must be >= 0, got -1"),
            (new JsonObject { ["prompt_ids"] = new JsonArray(1, 2), ["slot_optimizer"] = "sgd" }, "'slot_optimizer'"),
            (new JsonObject { ["prompt_ids"] = new JsonArray(999999) }, "outside the model's vocabulary"),
        })
        {
            var r = await http.PostAsJsonAsync("/v1/generate", bad);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains(named, (string?)(await r.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["message"]);
        }
        await app.StopAsync();
    }
}
