using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// slot.return_delta and slot.delta: the answer carries the fitted delta (base64 little-endian float32) and losses,
/// which match golden.json's HF AdamW run, and that delta sent back as slot.delta reproduces the golden SLOT text.
/// </summary>
public class SlotDeltaFieldTests
{
    static float[] Floats(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        return [.. Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)))];
    }

    [SkippableFact]
    public async Task TheReturnedDeltaIsTheGoldensAndReplaysItsAnswer()
    {
        await using var s = await OpenAiServer.Start();
        var p = s.Golden.Prompt("len8");
        var run = ((JsonArray)p["slot_seed"]!).Cast<JsonObject>().Single(r => (int)r["times"]! == 5 && (double)r["lr"]! == 0.1);
        var slotText = s.Pipeline.Tokenizer.Decode(Golden.Ints(p["generate"]!["greedy_seed_times5_lr0.1"]), skipSpecialTokens: true);
        JsonObject Body(JsonObject slot, bool stream = false) => new()
        {
            ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = 24, ["temperature"] = 0, ["slot"] = slot,
            ["stream"] = stream,
        };

        var (status, fitted) = await s.Post("/v1/completions", Body(new JsonObject { ["times"] = 5, ["lr"] = 0.1, ["return_delta"] = true }));
        Assert.Equal(200, status);
        Assert.Equal(slotText, (string?)fitted["choices"]![0]!["text"]);
        var slot = fitted["slot"]!;
        Assert.Equal(5, (int)slot["times"]!);
        Assert.False((bool)slot["delta_loaded"]!);
        // The loss before each step (the golden's) and after the last.
        var losses = Golden.Doubles(run["losses"]);
        var served = ((JsonArray)slot["losses"]!).Select(l => (double)l!).ToArray();
        Assert.Equal(losses.Length + 1, served.Length);
        for (int k = 0; k < losses.Length; k++) Assert.True(Math.Abs(served[k] - losses[k]) <= 1e-4 * Math.Abs(losses[k]), $"loss {k}");
        // golden.json recommends ||delta - golden|| / ||golden|| <= 1e-3 for a multi-step run.
        var delta = Floats((string)slot["delta"]!);
        var golden = Golden.Doubles(run["delta"]);
        Assert.Equal(golden.Length, delta.Length);
        double diff = Math.Sqrt(golden.Select((g, i) => (g - delta[i]) * (g - delta[i])).Sum());
        Assert.True(diff <= 1e-3 * Math.Sqrt(golden.Sum(g => g * g)), $"relative L2 {diff}");

        // The delta sent back replaces the prompt stage and gives the same SLOT answer.
        var (_, replayed) = await s.Post("/v1/completions", Body(new JsonObject { ["delta"] = (string)slot["delta"]!, ["return_delta"] = true }));
        Assert.Equal(slotText, (string?)replayed["choices"]![0]!["text"]);
        Assert.True((bool)replayed["slot"]!["delta_loaded"]!);
        Assert.Equal((string)slot["delta"]!, (string?)replayed["slot"]!["delta"]);
        Assert.Empty((JsonArray)replayed["slot"]!["losses"]!);

        // Streamed, the last chunk carries it; without return_delta no answer has a "slot" object.
        var response = await s.Http.PostAsync("/v1/completions", OpenAiSdkTests.JsonContent(
            Body(new JsonObject { ["times"] = 5, ["lr"] = 0.1, ["return_delta"] = true }, stream: true)));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        Assert.Equal((string)slot["delta"]!, (string?)chunks[^1]["slot"]!["delta"]);
        Assert.All(chunks[..^1], c => Assert.Null(c["slot"]));
        var (_, plain) = await s.Post("/v1/completions", Body(new JsonObject { ["times"] = 5, ["lr"] = 0.1 }));
        Assert.Null(plain["slot"]);
    }
}
