using SlotSharp.Datasets;
using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>Real-format files from ../shared, served through the fake Hub or read as local datasets.</summary>
public sealed class SharedAssetHubTests
{
    [SkippableFact]
    public async Task ShardedCheckpoint_ServedByFakeHub_ArrivesByteIdentical()
    {
        var source = SharedAssets.Require("models", "tiny-qwen2-sharded");
        await using var hub = await FakeHub.StartAsync();
        using var cache = new TempCache();
        hub.Add(FakeHub.FakeRepo.FromFolder("acme/tiny-qwen2-sharded", TinyModel.Commit, source));

        var folder = await HubResolver.ResolveModelAsync("acme/tiny-qwen2-sharded", settings: hub.Settings(cache.Dir));

        string[] expected = ["config.json", "generation_config.json", "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json"];
        Assert.Equal(expected, Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, name)), File.ReadAllBytes(Path.Combine(folder, name)));
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith("golden.json", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void LocalDatasetFolder_Gsm8kTestSplit_Has1319Rows()
    {
        var folder = SharedAssets.Require("datasets", "gsm8k");
        var rows = DatasetSource.Load(folder, null, "test");
        Assert.Equal(1319, rows.Count); // row count documented in shared/datasets/README.md
        Assert.StartsWith("Janet\u2019s ducks lay 16 eggs per day.", rows[0]["question"]);
        Assert.EndsWith("#### 18", rows[0]["answer"]);
    }
}
