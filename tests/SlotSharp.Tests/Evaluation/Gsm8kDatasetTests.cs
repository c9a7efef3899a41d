using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

public class Gsm8kDatasetTests
{
    [SkippableFact]
    public void Bad_json_names_file_and_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"question\":\"q\",\"answer\":\"#### 1\"}\n\n{\"question\": oops}\n");
            var e = Assert.Throws<SlotSharpException>(() => Gsm8kDataset.LoadJsonl(path));
            Assert.StartsWith($"{path}:3: invalid JSON", e.Message);

            File.WriteAllText(path, "{\"question\":\"q\",\"answer\":\"#### 1\"}\n{\"question\":\"q2\"}\n");
            e = Assert.Throws<SlotSharpException>(() => Gsm8kDataset.LoadJsonl(path));
            Assert.Equal($"{path}:2: missing field 'answer'", e.Message);

            File.WriteAllText(path, "{\"question\":5,\"answer\":\"#### 1\"}\n");
            e = Assert.Throws<SlotSharpException>(() => Gsm8kDataset.LoadJsonl(path));
            Assert.Equal($"{path}:1: field 'question' must be a string, got Number", e.Message);
        }
        finally { File.Delete(path); }
    }

    [SkippableFact]
    public void Hub_id_goes_through_the_hub_loader()
    {
        // The real loader (DatasetSource through the HF cache) is covered by the fake-Hub tests; no network here.
        Gsm8kDataset.HubLoader = (repo, split) => [new Gsm8kItem(0, $"{repo}:{split}", "#### 1")];
        try
        {
            var rows = Gsm8kDataset.Load("openai/gsm8k", "test");
            Assert.Equal("openai/gsm8k:test", Assert.Single(rows).Question);
        }
        finally { Gsm8kDataset.HubLoader = null; }
    }

    [SkippableFact]
    public void Test_split_subset_matches_python()
    {
        var path = SharedAssets.Require("datasets", "gsm8k", "test.jsonl");
        var rows = Gsm8kDataset.LoadJsonl(path);
        Assert.Equal(1319, rows.Count);
        Assert.Equal("18", rows[0].GroundTruth);
        Assert.Equal(1319, Gsm8kDataset.Select(rows, null, 42).Count);
        Assert.Equal(1319, Gsm8kDataset.Select(rows, 5000, 42).Count);
        Assert.Equal([1309, 228, 51, 563, 501], Gsm8kDataset.Select(rows, 5, 42).Select(r => r.Index));
        Assert.StartsWith("Janet’s ducks lay 16 eggs per day.", rows[0].Question);
    }

    [SkippableFact]
    public void Train_split_golds_parse()
    {
        var path = SharedAssets.Require("datasets", "gsm8k", "train.jsonl");
        var rows = Gsm8kDataset.LoadJsonl(path);
        Assert.Equal(7473, rows.Count);
        // Every gold is an integer (some with commas or a minus) and must parse.
        Assert.All(rows, r => Assert.NotNull(Gsm8kScoring.ParseGold(r.GroundTruth)));
        Assert.Equal([5238, 912, 204, 6074, 2253], Gsm8kDataset.Select(rows, 5, 42).Select(r => r.Index));
    }
}
