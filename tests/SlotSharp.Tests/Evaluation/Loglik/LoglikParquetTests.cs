using System.Text.Json.Nodes;
using Parquet.Serialization;
using SlotSharp.Evaluation.Loglik;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>
/// The fixture rows written as Parquet in the Hub's layout (ARC's choices a struct of two string lists, HellaSwag's
/// endings and MMLU's choices string lists, MMLU's answer an int64) load into the same documents as the JSONL.
/// </summary>
public sealed class LoglikParquetTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-loglikpq-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    public sealed class ArcChoices
    {
        public List<string> text { get; set; } = [];
        public List<string> label { get; set; } = [];
    }

    public sealed class ArcRow
    {
        public string id { get; set; } = "";
        public string question { get; set; } = "";
        public ArcChoices choices { get; set; } = new();
        public string answerKey { get; set; } = "";
    }

    public sealed class HellaswagRow
    {
        public long ind { get; set; }
        public string activity_label { get; set; } = "";
        public string ctx_a { get; set; } = "";
        public string ctx_b { get; set; } = "";
        public List<string> endings { get; set; } = [];
        public string label { get; set; } = "";
    }

    public sealed class MmluRow
    {
        public string question { get; set; } = "";
        public string subject { get; set; } = "";
        public List<string> choices { get; set; } = [];
        public long answer { get; set; }
    }

    static IEnumerable<JsonNode> Jsonl(string task) => File.ReadLines(LoglikFixtures.Rows(task)).Select(l => JsonNode.Parse(l)!);

    static List<string> Strings(JsonNode? n) => n!.AsArray().Select(x => (string)x!).ToList();

    void Write<T>(string relative, IEnumerable<T> rows)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        ParquetSerializer.SerializeAsync(rows, stream).GetAwaiter().GetResult();
    }

    void AssertSameDocuments(string task, string folder)
    {
        var fromJsonl = LoglikTask.ByName(task).Load(LoglikFixtures.Rows(task));
        var fromParquet = LoglikTask.ByName(task).Load(Path.Combine(_dir, folder));
        Assert.Equal(fromJsonl.Count, fromParquet.Count);
        for (int i = 0; i < fromJsonl.Count; i++)
        {
            Assert.Equal(fromJsonl[i].Requests, fromParquet[i].Requests);
            Assert.Equal(fromJsonl[i].Choices, fromParquet[i].Choices);
            Assert.Equal((fromJsonl[i].Gold, fromJsonl[i].Id), (fromParquet[i].Gold, fromParquet[i].Id));
        }
    }

    [SkippableFact]
    public void ArcHellaswagAndMmluParquetLoadAsTheirJsonl()
    {
        Write("arc/ARC-Challenge/test-00000-of-00001.parquet", Jsonl("arc_challenge").Select(j => new ArcRow
        {
            id = (string)j["id"]!, question = (string)j["question"]!, answerKey = (string)j["answerKey"]!,
            choices = new ArcChoices { text = Strings(j["choices"]!["text"]), label = Strings(j["choices"]!["label"]) },
        }));
        Write("arc/ARC-Easy/test-00000-of-00001.parquet", new[] { new ArcRow { id = "easy", question = "q", answerKey = "A",
            choices = new ArcChoices { text = ["a"], label = ["A"] } } });
        AssertSameDocuments("arc_challenge", "arc");

        Write("hellaswag/data/validation-00000-of-00001.parquet", Jsonl("hellaswag").Select(j => new HellaswagRow
        {
            ind = (long)j["ind"]!, activity_label = (string)j["activity_label"]!, ctx_a = (string)j["ctx_a"]!,
            ctx_b = (string)j["ctx_b"]!, endings = Strings(j["endings"]), label = (string)j["label"]!,
        }));
        AssertSameDocuments("hellaswag", "hellaswag");

        Write("mmlu/all/test-00000-of-00001.parquet", Jsonl("mmlu").Select(j => new MmluRow
        {
            question = (string)j["question"]!, subject = (string)j["subject"]!, choices = Strings(j["choices"]), answer = (long)j["answer"]!,
        }));
        AssertSameDocuments("mmlu", "mmlu");
    }
}
