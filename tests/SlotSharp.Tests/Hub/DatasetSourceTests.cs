using System.Text;
using Parquet.Serialization;
using SlotSharp.Datasets;
using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

public sealed class DatasetSourceTests : IAsyncLifetime
{
    const string Commit = "fedcba9876543210fedcba9876543210fedcba98";
    FakeHub _hub = null!;
    readonly TempCache _cache = new();

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();
    public async Task DisposeAsync() { await _hub.DisposeAsync(); _cache.Dispose(); }

    public sealed class GsmRow
    {
        public string question { get; set; } = "";
        public string answer { get; set; } = "";
    }

    static byte[] Parquet(params (string Q, string A)[] rows)
    {
        using var stream = new MemoryStream();
        ParquetSerializer.SerializeAsync(rows.Select(r => new GsmRow { question = r.Q, answer = r.A }), stream)
            .GetAwaiter().GetResult();
        return stream.ToArray();
    }

    void AddGsm8k() => _hub.Add(new FakeHub.FakeRepo(HubRepoType.Dataset, "openai/gsm8k", Commit, new()
    {
        ["README.md"] = new("# gsm8k"u8.ToArray(), Lfs: false),
        ["main/test-00000-of-00001.parquet"] = new(Parquet(("What is 2+3?", "2+3=5\n#### 5"), ("Half of 8?", "#### 4")), Lfs: true),
        ["main/train-00000-of-00001.parquet"] = new(Parquet(("train q", "#### 1")), Lfs: true),
        ["socratic/test-00000-of-00001.parquet"] = new(Parquet(("socratic q", "#### 2")), Lfs: true),
    }));

    IReadOnlyList<IReadOnlyDictionary<string, string?>> Load(string data, string? config, string split, bool offline = false) =>
        DatasetSource.Load(data, config, split, settings: _hub.Settings(_cache.Dir, offline: offline));

    [SkippableFact]
    public void HubParquet_ConfigAndSplit_LoadsOnlyThatFile()
    {
        AddGsm8k();
        var rows = Load("openai/gsm8k", "main", "test");

        Assert.Equal(2, rows.Count);
        Assert.Equal("What is 2+3?", rows[0]["question"]);
        Assert.Equal("2+3=5\n#### 5", rows[0]["answer"]);
        Assert.Equal("#### 4", rows[1]["answer"]);
        Assert.Single(_hub.Downloads, r => r.Path.StartsWith("/lfs/", StringComparison.Ordinal));
        Assert.Contains(_hub.Requests, r => r.Path == "/api/datasets/openai/gsm8k/revision/main");

        var link = Path.Combine(_cache.Dir, "datasets--openai--gsm8k", "snapshots", Commit, "main", "test-00000-of-00001.parquet");
        Assert.StartsWith("../../../blobs/", new FileInfo(link).LinkTarget);

        // Offline afterwards: same rows from the cache, no request.
        _hub.Requests.Clear();
        Assert.Equal(2, Load("openai/gsm8k", "main", "test", offline: true).Count);
        Assert.Empty(_hub.Requests);
    }

    [SkippableFact]
    public void HubDataset_SplitInSeveralConfigs_AsksForConfig()
    {
        AddGsm8k();
        var e = Assert.Throws<SlotSharpException>(() => Load("openai/gsm8k", null, "test"));
        Assert.Contains("main", e.Message);
        Assert.Contains("socratic", e.Message);

        var missing = Assert.Throws<SlotSharpException>(() => Load("openai/gsm8k", "main", "validation"));
        Assert.Contains("'validation'", missing.Message);
        Assert.Contains("main/test-00000-of-00001.parquet", missing.Message);
    }

    [SkippableFact]
    public void HubJsonl_AtRepoRoot_Loads()
    {
        _hub.Add(new FakeHub.FakeRepo(HubRepoType.Dataset, "HuggingFaceH4/MATH-500", Commit, new()
        {
            ["README.md"] = new("# MATH-500"u8.ToArray(), Lfs: false),
            ["test.jsonl"] = new(Encoding.UTF8.GetBytes(
                "{\"problem\":\"Compute $1+1$.\",\"answer\":\"2\",\"level\":1}\n" +
                "{\"problem\":\"Find x.\",\"answer\":\"\\\\frac{1}{2}\",\"level\":5,\"tags\":[\"a\"]}\n"), Lfs: true),
        }));

        var rows = Load("HuggingFaceH4/MATH-500", null, "test");

        Assert.Equal(2, rows.Count);
        Assert.Equal("Compute $1+1$.", rows[0]["problem"]);
        Assert.Equal("1", rows[0]["level"]);
        Assert.Equal("\\frac{1}{2}", rows[1]["answer"]);
        Assert.Equal("[\"a\"]", rows[1]["tags"]);
    }

    [SkippableFact]
    public void LocalFiles_ParquetAndJsonl_LoadDirectly()
    {
        var parquet = Path.Combine(_cache.Dir, "local.parquet");
        File.WriteAllBytes(parquet, Parquet(("q1", "a1")));
        var jsonl = Path.Combine(_cache.Dir, "local.jsonl");
        File.WriteAllText(jsonl, "{\"question\":\"q2\",\"answer\":null}\n\n");

        Assert.Equal("a1", Load(parquet, "ignored", "ignored")[0]["answer"]);
        var row = Assert.Single(Load(jsonl, null, "test"));
        Assert.Equal("q2", row["question"]);
        Assert.Null(row["answer"]);
        Assert.Empty(_hub.Requests);
    }

    [SkippableFact]
    public void MissingLocalFile_IsNamedWithoutQueryingTheHub()
    {
        var e = Assert.Throws<SlotSharpException>(() => Load("data/missing.jsonl", null, "test"));
        Assert.Contains("data/missing.jsonl", e.Message);
        Assert.Empty(_hub.Requests);
    }

    [SkippableTheory]
    [InlineData("data/test-00000-of-00002.parquet,data/test-00001-of-00002.parquet,data/train-00000-of-00001.parquet", null,
        "data/test-00000-of-00002.parquet,data/test-00001-of-00002.parquet")]
    [InlineData("test.jsonl,train.jsonl,testing.jsonl", null, "test.jsonl")]
    [InlineData("main/test.parquet,main/test.jsonl", "main", "main/test.parquet")]
    [InlineData("default/test/0000.parquet,default/train/0000.parquet", "default", "default/test/0000.parquet")]
    public void FileSelection_FollowsHubConventions(string files, string? config, string expected) =>
        Assert.Equal(expected.Split(','), DatasetFiles.Select(files.Split(','), config, "test", "'x'"));
}
