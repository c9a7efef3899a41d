using System.Text;
using System.Text.Json;
using CsCheck;
using Parquet.Serialization;
using SlotSharp.Datasets;
using SlotSharp.Evaluation;
using SlotSharp.Fuzz.Mutation;
using SlotSharp.Fuzz.Seeds;

namespace SlotSharp.Fuzz.Formats;

/// <summary>Dataset rows through DatasetRows.Read, in one of its three file formats (chosen by the extension).</summary>
public sealed class DatasetRowsFormat : FuzzFormat
{
    readonly string _extension;

    DatasetRowsFormat(string extension, IReadOnlyList<byte[]> seeds)
    {
        _extension = extension;
        Seeds = seeds;
    }

    public override string Name => "dataset" + _extension;
    public override string Extension => _extension;
    public override IReadOnlyList<byte[]> Seeds { get; }

    public override void Run(byte[] input, string scratch) => DatasetRows.Read(WriteInput(input, scratch, "rows" + _extension));

    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => _extension switch
    {
        ".jsonl" => JsonLinesInputs(seeds),
        ".json" => JsonDocumentInputs(seeds),
        // Parquet is binary: byte mutations only.
        _ => Gen.Frequency((1, Gen.OneOf([.. seeds])), (9, ByteMutations.Mutate(seeds))),
    };

    /// <summary>JSON Lines: the first rows of the shared GSM8K, MATH-500 and AIME 2024 test splits.</summary>
    public static DatasetRowsFormat Jsonl(SharedSeeds shared) => new(".jsonl", [.. JsonlSeeds(shared)]);

    /// <summary>A JSON array of the same rows.</summary>
    public static DatasetRowsFormat JsonArray(SharedSeeds shared) => new(".json", [.. JsonlSeeds(shared).Select(ToJsonArray)]);

    /// <summary>Parquet written by Parquet.Net from GSM8K rows.</summary>
    public static DatasetRowsFormat Parquet(SharedSeeds shared) => new(".parquet", [ParquetSeed(shared)]);

    static IEnumerable<byte[]> JsonlSeeds(SharedSeeds shared)
    {
        yield return shared.FirstLines(3, "datasets", "gsm8k", "test.jsonl");
        yield return shared.FirstLines(2, "datasets", "math500", "test.jsonl");
        yield return shared.FirstLines(1, "datasets", "aime24", "test.jsonl");
    }

    static byte[] ToJsonArray(byte[] jsonl) => Encoding.UTF8.GetBytes("[" + string.Join(",",
        Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]");

    static byte[] ParquetSeed(SharedSeeds shared)
    {
        var rows = File.ReadLines(shared.PathOf("datasets", "gsm8k", "test.jsonl")).Take(3)
            .Select((line, i) => JsonSerializer.Deserialize<Gsm8kRow>(line)! with { Index = i }).ToList();
        using var stream = new MemoryStream();
        ParquetSerializer.SerializeAsync(rows, stream).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    sealed record Gsm8kRow
    {
        [System.Text.Json.Serialization.JsonPropertyName("question")] public string Question { get; init; } = "";
        [System.Text.Json.Serialization.JsonPropertyName("answer")] public string Answer { get; init; } = "";
        public int Index { get; init; }
        public double Score { get; init; } = 0.5;
    }
}

/// <summary>GSM8K rows through Gsm8kDataset.LoadJsonl, then the scoring that runs on every row (gold answer, checks).</summary>
public sealed class Gsm8kRowsFormat(SharedSeeds shared) : FuzzFormat
{
    public override string Name => "gsm8k-rows";
    public override string Extension => ".jsonl";
    public override IReadOnlyList<byte[]> Seeds { get; } = [shared.FirstLines(4, "datasets", "gsm8k", "test.jsonl")];
    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => JsonLinesInputs(seeds);

    public override void Run(byte[] input, string scratch)
    {
        foreach (var item in Gsm8kDataset.LoadJsonl(WriteInput(input, scratch, "test.jsonl")))
        {
            Gsm8kScoring.ParseGold(item.GroundTruth);
            Gsm8kScoring.IsAnswerCorrect(item.Answer, item.GroundTruth);
            Gsm8kScoring.IsFormatCorrect(item.Answer);
        }
    }
}
