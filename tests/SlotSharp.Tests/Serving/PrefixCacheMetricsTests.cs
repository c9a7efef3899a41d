using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Serving;

/// <summary>/metrics reports the engine's prefix cache: hits, reused prompt tokens, evictions and entries.</summary>
public class PrefixCacheMetricsTests
{
    [SkippableFact]
    public async Task TwoRequestsWithOnePromptAreOneHitOfAllButTheLastToken()
    {
        await using var s = await OpenAiServer.Start();
        var ids = Golden.Ints(s.Golden.Prompt("len60")["input_ids"]);
        var request = new JsonObject { ["prompt"] = OpenAiServer.Ids(ids), ["max_tokens"] = 1, ["temperature"] = 0 };
        Assert.Equal(200, (await s.Post("/v1/completions", request)).Status);
        await s.WaitForMetric("slot_prefix_cache_entries 1");
        await s.WaitForMetric("slot_prefix_cache_hits_total 0");
        Assert.Equal(200, (await s.Post("/v1/completions", request)).Status);
        await s.WaitForMetric("slot_prefix_cache_hits_total 1");
        await s.WaitForMetric($"slot_prefix_cache_reused_tokens_total {ids.Length - 1}");
        await s.WaitForMetric("slot_prefix_cache_evictions_total 0");
    }

    [SkippableFact]
    public async Task WithoutThePrefixCacheTheSamePromptIsPrefilledAgain()
    {
        await using var s = await OpenAiServer.Start(new SlotSharp.Server.ServeSettings { PrefixCache = false });
        var ids = Golden.Ints(s.Golden.Prompt("len60")["input_ids"]);
        var request = new JsonObject { ["prompt"] = OpenAiServer.Ids(ids), ["max_tokens"] = 1, ["temperature"] = 0 };
        Assert.Equal(200, (await s.Post("/v1/completions", request)).Status);
        Assert.Equal(200, (await s.Post("/v1/completions", request)).Status);
        await s.WaitForMetric($"slot_prompt_tokens_total {2 * ids.Length}");
        await s.WaitForMetric("slot_prefix_cache_hits_total 0");
        await s.WaitForMetric("slot_prefix_cache_entries 0");
    }
}
