using System.Text.Json.Nodes;
using SlotSharp.Cli.Commands;
using SlotSharp.Tests.Hub;
using static SlotSharp.Tests.Hub.HubCacheLayout;

namespace SlotSharp.Tests.Cli;

/// <summary>`slot models list` and `slot models rm` on a cache laid out by hand as huggingface_hub lays it out.</summary>
public sealed class ModelsCommandTests : IDisposable
{
    readonly HubCacheLayout _cache = new();

    public void Dispose() => _cache.Dispose();

    (int Code, string Out, string Err) Slot(params string[] args) =>
        SlotProcess.RunWithInput("", new Dictionary<string, string> { ["HF_HUB_CACHE"] = _cache.Cache }, ["models", .. args]);

    [SkippableFact]
    public void ListJsonHasEveryRepoWithItsSizeRevisionsAndTheTotal()
    {
        var (code, stdout, stderr) = Slot("list", "--json");
        Assert.True(code == 0, stderr);
        var o = JsonNode.Parse(stdout)!;
        Assert.Equal(_cache.Cache, (string?)o["cache_dir"]);
        var repos = o["repos"]!.AsArray().ToDictionary(r => (string)r!["repo_id"]!);
        var tiny = repos["acme/tiny"]!;
        Assert.Equal(Config.Length + Weights1.Length + Weights2.Length + Vocab.Length + OutsideBytes.Length, (long)tiny["size_on_disk"]!);
        Assert.Equal(5, (int)tiny["nb_files"]!);
        Assert.Equal(Long.AddDays(5).AddHours(1), DateTime.Parse((string)tiny["last_accessed"]!, null, System.Globalization.DateTimeStyles.RoundtripKind));
        Assert.Equal([Rev1, Rev2], tiny["revisions"]!.AsArray().Select(r => (string)r!["commit_hash"]!));
        Assert.Equal(["main"], tiny["revisions"]![1]!["refs"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(["gguf"], repos["acme/tiny-GGUF"]!["formats"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("dataset", (string?)repos["acme/data"]!["repo_type"]);
        long total = Config.Length + Weights1.Length + Weights2.Length + Vocab.Length + OutsideBytes.Length + GgufBytes.Length + Data.Length + BrokenConfig.Length;
        Assert.Equal(total, (long)o["size_on_disk"]!);
        Assert.Equal($"warning: Blob missing (broken symlink): {_cache.MissingBlob}\n", stderr);
    }

    [SkippableFact]
    public void ListTableShowsReposRevisionsSizesAndTheTotal()
    {
        var (code, stdout, stderr) = Slot("list");
        Assert.True(code == 0, stderr);
        var tinyRow = stdout.Split('\n').Single(l => l.Contains(" acme/tiny ", StringComparison.Ordinal));
        // 22 + 9000 + 18000 + 250 + 490 bytes, as scan-cache writes it.
        foreach (var cell in new[] { "model", "safetensors", "1a1a1a1", "5", "27.8K" }) Assert.Contains(cell, tinyRow, StringComparison.Ordinal);
        Assert.Contains("2b2b2b2 (main)", stdout, StringComparison.Ordinal);
        // 40250 bytes: 40.25 is a tie, which Python's formatting rounds to even.
        Assert.Contains($"4 repo(s) in {_cache.Cache}, 40.2K on disk in total.", stdout, StringComparison.Ordinal);
        Assert.Contains("1 warning(s) while scanning", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void RemoveOneRevisionWithYesKeepsTheSharedBlobs()
    {
        var (code, stdout, stderr) = Slot("rm", "acme/tiny", "--revision", "1a1a", "--yes");
        Assert.True(code == 0, stderr);
        Assert.Equal("Removed revision 1a1a1a1 of model 'acme/tiny' (9.0K).\n", stdout);
        Assert.False(Directory.Exists(Path.Combine(_cache.TinyFolder, "snapshots", Rev1)));
        Assert.False(File.Exists(_cache.Blob(_cache.TinyFolder, Weights1)));
        Assert.True(File.Exists(_cache.Blob(_cache.TinyFolder, Config)));
        Assert.True(File.Exists(_cache.Outside));
    }

    [SkippableFact]
    public void RemoveWithoutYesFromAScriptIsRefusedAndRemovesNothing()
    {
        var (code, stdout, stderr) = Slot("rm", "acme/tiny-GGUF");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("error: not removing model 'acme/tiny-GGUF' (1 revision(s), 12.0K) without a confirmation: stdin is not a terminal, pass --yes to remove it",
            stderr.TrimEnd('\n').Split('\n')[^1]);
        Assert.True(File.Exists(_cache.Blob(_cache.GgufFolder, GgufBytes)));
    }

    [SkippableFact]
    public void RemoveRefusesWhileAProcessHoldsTheBlobAndNamesIt()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "open files are found through /proc (Linux)");
        var gguf = _cache.Blob(_cache.GgufFolder, GgufBytes);
        using (File.OpenRead(gguf))
        {
            var (code, _, stderr) = Slot("rm", "acme/tiny-GGUF", "--yes");
            Assert.Equal(2, code);
            Assert.StartsWith($"error: not removing model 'acme/tiny-GGUF' (1 revision(s), 12.0K): process {Environment.ProcessId} (", stderr, StringComparison.Ordinal);
            Assert.Contains($"has '{gguf}' open; stop it first", stderr, StringComparison.Ordinal);
            Assert.True(File.Exists(gguf));
        }
        var after = Slot("rm", "acme/tiny-GGUF", "--yes");
        Assert.True(after.Code == 0, after.Err);
        Assert.False(Directory.Exists(_cache.GgufFolder));
    }

    [SkippableTheory]
    [InlineData("acme/nothing", "--revision", "main", "error: no model 'acme/nothing' in the cache")]
    [InlineData("acme/data", "--revision", "main", "(a dataset of that name is there: --repo-type dataset)")]
    [InlineData("acme/tiny", "--revision", "v9", "error: --revision: model 'acme/tiny' has no cached revision 'v9' (cached: 1a1a1a1, 2b2b2b2 (main))")]
    [InlineData("acme/tiny", "--revision", "1a", "has no cached revision '1a'")]
    public void UnknownRepoOrRevisionIsNamedInOneLine(string repo, string flag, string value, string expected)
    {
        var (code, _, stderr) = Slot("rm", repo, flag, value, "--yes");
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.True(Directory.Exists(Path.Combine(_cache.TinyFolder, "snapshots", Rev1)));
    }

    [SkippableFact]
    public void DatasetIsRemovedWithItsRepoType()
    {
        var (code, stdout, stderr) = Slot("rm", "acme/data", "--repo-type", "dataset", "--yes");
        Assert.True(code == 0, stderr);
        Assert.Equal("Removed dataset 'acme/data' (1 revision(s), 480.0).\n", stdout);
        Assert.False(Directory.Exists(_cache.DataFolder));
    }

    [SkippableTheory]
    // huggingface_hub's _format_size on the sizes of its own docs (1197 -> 1.2K, the 3398085269-byte cache -> 3.4G).
    [InlineData(0, "0.0")]
    [InlineData(999, "999.0")]
    [InlineData(1197, "1.2K")]
    [InlineData(970726914, "970.7M")]
    [InlineData(3398085269, "3.4G")]
    // Python formats the binary value exactly and rounds a tie to even: 40.25 -> 40.2, 40.35 (just above) -> 40.4.
    [InlineData(40250, "40.2K")]
    [InlineData(40350, "40.4K")]
    public void SizesAreFormattedAsScanCacheFormatsThem(long bytes, string expected) =>
        Assert.Equal(expected, ModelsCommand.FormatSize(bytes));

    [SkippableTheory]
    // format_timesince: under 20 s "a few seconds", else the first unit whose Python round() fits (halves to even).
    [InlineData(10, "a few seconds ago")]
    [InlineData(45, "45 seconds ago")]
    [InlineData(90, "2 minutes ago")]
    [InlineData(150, "2 minutes ago")]
    [InlineData(86400, "24 hours ago")]
    [InlineData(36 * 3600, "2 days ago")]
    [InlineData(3 * 86400, "3 days ago")]
    [InlineData(20 * 86400, "3 weeks ago")]
    [InlineData(400 * 86400, "1 year ago")]
    public void TimesAreFormattedAsScanCacheFormatsThem(int secondsAgo, string expected)
    {
        var now = new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(expected, ModelsCommand.TimeSince(now.AddSeconds(-secondsAgo), now));
    }
}
