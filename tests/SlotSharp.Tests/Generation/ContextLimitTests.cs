using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Tests.Oracles;

namespace SlotSharp.Tests.Generation;

/// <summary>
/// The prompt plus max_new_tokens against the model's max_position_embeddings (stories260K: 512), and a KV cache
/// that grows with the tokens actually generated instead of reserving max_new_tokens up front.
/// </summary>
public class ContextLimitTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    static (Golden Golden, int[] Ids, int[] Greedy) Len300()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompt("len300");
        return (golden, Golden.Ints(p["input_ids"]), Golden.Ints(p["generate"]!["greedy_times0"]));
    }

    [SkippableFact]
    public void PromptPlusMaxNewTokensPastMaxPositionsIsRefusedNamingTheNumbers()
    {
        var (golden, ids, _) = Len300();
        Assert.Equal(298, ids.Length);
        var e = Assert.Throws<ContextLengthException>(() => pipelines.Float32(golden).Generate(ids, new GenerationOptions { MaxNewTokens = 304 }));
        foreach (var part in new[] { "298", "304", "602", "max_position_embeddings (512)" }) Assert.Contains(part, e.Message);
        Assert.DoesNotContain("--", e.Message); // a library message names no CLI flag
    }

    [SkippableFact]
    public void ExactlyMaxPositionsIsAllowed()
    {
        var (golden, ids, greedy) = Len300();
        var result = pipelines.Float32(golden).Generate(ids, new GenerationOptions { MaxNewTokens = 512 - 298 }).Generation;
        Assert.Equal(512 - 298, result.GeneratedIds.Length);
        Assert.Equal(greedy, result.GeneratedIds[..greedy.Length]);
    }

    [SkippableFact]
    public void AllowLongContextGeneratesPastMaxPositions()
    {
        var (golden, ids, greedy) = Len300();
        var result = pipelines.Float32(golden).Generate(ids,
            new GenerationOptions { MaxNewTokens = 304, AllowLongContext = true }).Generation;
        Assert.Equal(304, result.GeneratedIds.Length);
        Assert.Equal(greedy, result.GeneratedIds[..greedy.Length]);
    }

    [SkippableFact]
    public void HugeMaxNewTokensWithAnEarlyStopReservesOnlyWhatIsUsed()
    {
        var (golden, ids, greedy) = Len300();
        // Stop at the golden's last token: generation ends at its first occurrence, so the expected ids are known.
        int stop = greedy[^1];
        var expected = greedy[..(Array.IndexOf(greedy, stop) + 1)];
        var pipeline = pipelines.Float32(golden);
        var options = new GenerationOptions { MaxNewTokens = 1_000_000_000, AllowLongContext = true, StopIds = [stop] };
        using var prefill = pipeline.Prefill(ids, options, keepHidden: false);
        var result = DecodeLoop.Decode(pipeline.Backend, prefill, options);
        Assert.Equal(expected, result.GeneratedIds);
        Assert.True(result.StoppedAtStopId);
        // Reserving max_new_tokens would mean 10^9 positions (256 GB for this model); the prompt + one growth chunk is enough.
        Assert.InRange(TorchBackend.CacheCapacity(prefill), ids.Length + expected.Length, ids.Length + 2 * TorchBackend.CacheGrowthChunk);
    }

    [SkippableFact]
    public void TheCacheDoesNotGrowPastTheLargestPositionItCanNeed()
    {
        var (golden, ids, _) = Len300();
        var pipeline = pipelines.Float32(golden);
        var options = new GenerationOptions { MaxNewTokens = 200 };
        using var prefill = pipeline.Prefill(ids, options, keepHidden: false);
        DecodeLoop.Decode(pipeline.Backend, prefill, options);
        // The last generated token is never fed back, so prompt + max_new_tokens - 1 positions are the most ever stored.
        Assert.Equal(ids.Length + 200 - 1, TorchBackend.CacheCapacity(prefill));
    }
}
