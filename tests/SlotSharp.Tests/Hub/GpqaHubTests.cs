using Parquet;
using Parquet.Schema;
using SlotSharp.Evaluation.Tasks;
using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// GPQA-Diamond from the gated Hub dataset Idavidrein/gpqa, as the task reads it: the CSVs of the repo are not in a
/// parquet layout, so the Hub's automatic conversion (revision refs/convert/parquet, files gpqa_diamond/train/0000.parquet
/// beside the other configs) is read, with the user's token.
/// </summary>
public sealed class GpqaHubTests : IAsyncLifetime
{
    const string Commit = "abcabcabcabcabcabcabcabcabcabcabcabcabca";
    FakeHub _hub = null!;
    readonly TempCache _cache = new();

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync();
        var repo = new FakeHub.FakeRepo(HubRepoType.Dataset, "Idavidrein/gpqa", Commit, new()
        {
            ["gpqa_diamond/train/0000.parquet"] = new(await Table(("diamond q1", "right1"), ("diamond q2", "right2")), Lfs: true),
            ["gpqa_main/train/0000.parquet"] = new(await Table(("main q", "right")), Lfs: true),
        }) { Gated = true };
        repo.Revisions["refs/convert/parquet"] = Commit;
        repo.Revisions.Remove("main"); // the converted files exist only on the conversion ref
        _hub.Add(repo);
    }

    public async Task DisposeAsync() { await _hub.DisposeAsync(); _cache.Dispose(); }

    static readonly string[] Columns = ["Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Record ID"];

    static async Task<byte[]> Table(params (string Question, string Correct)[] rows)
    {
        var fields = Columns.Select(c => new DataField<string>(c)).ToArray();
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream))
        using (var group = writer.CreateRowGroup())
        {
            string[][] values =
            [
                [.. rows.Select(r => r.Question)], [.. rows.Select(r => r.Correct)],
                [.. rows.Select(r => "wrong a")], [.. rows.Select(r => "wrong b")], [.. rows.Select(r => "wrong c")],
                [.. rows.Select((r, i) => $"rec{i}")],
            ];
            for (int c = 0; c < fields.Length; c++) await group.WriteAsync(fields[c], values[c], null);
        }
        return stream.ToArray();
    }

    [SkippableFact]
    public void GatedDataset_WithToken_LoadsTheDiamondConfigFromTheParquetConversion()
    {
        var task = new GpqaDiamondTask { Hub = _hub.Settings(_cache.Dir, token: _hub.AcceptedToken) };
        var documents = task.Load("Idavidrein/gpqa");

        Assert.Equal(2, documents.Count);
        var gold = GpqaDiamondTask.GoldIndices(2);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal($"rec{i}", documents[i].Id);
            Assert.Equal("ABCD"[gold[i]].ToString(), documents[i].Gold);
            // The correct answer sits at the drawn letter, the wrong ones keep their order around it.
            var options = new List<string> { "wrong a", "wrong b", "wrong c" };
            options.Insert(gold[i], $"right{i + 1}");
            Assert.Equal(GpqaDiamondTask.Render($"diamond q{i + 1}", options), documents[i].Instruction);
        }
        Assert.Contains(_hub.Requests, r => r.Path == "/api/datasets/Idavidrein/gpqa/revision/refs/convert/parquet"
                                            || r.Path == "/api/datasets/Idavidrein/gpqa/revision/refs%2Fconvert%2Fparquet");
        Assert.Single(_hub.Downloads, r => r.Path.StartsWith("/lfs/", StringComparison.Ordinal)); // gpqa_main is not fetched
    }

    [SkippableFact]
    public void GatedDataset_WithoutToken_SaysHowToAuthenticate()
    {
        var task = new GpqaDiamondTask { Hub = _hub.Settings(_cache.Dir, token: null) };
        var error = Assert.ThrowsAny<SlotSharpException>(() => task.Load("Idavidrein/gpqa"));
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains("Idavidrein/gpqa", error.Message);
    }
}
