using System.Text.Json;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>A synthetic 8-row GSM8K file in a fresh temp folder.</summary>
sealed class EvalTestData : IDisposable
{
    public static readonly string[] Golds = ["18", "2,125", "-3", "7", "0", "42", "1,000", "5"];
    public string Dir { get; } = Directory.CreateTempSubdirectory("slotsharp-eval-").FullName;
    public string DataFile => Path.Combine(Dir, "test.jsonl");
    public IReadOnlyList<Gsm8kItem> Rows { get; }
    public Dictionary<int, string> GoldByRow { get; } = Golds.Select((g, i) => (g, i)).ToDictionary(x => x.i, x => x.g);

    public EvalTestData()
    {
        File.WriteAllLines(DataFile, Golds.Select((g, i) => JsonSerializer.Serialize(new
        {
            question = Question(i),
            answer = $"Some work <<1+1=2>>2.\n#### {g}",
        })));
        Rows = Gsm8kDataset.LoadJsonl(DataFile);
    }

    public static string Question(int row) => $"Q{row}: How many eggs does Janet’s duck lay?";

    public Gsm8kRunOptions Options(string output, int batchSize = 1, params SlotSetting[] settings) => new()
    {
        ModelPath = "models/fake-qwen",
        DataLabel = DataFile,
        Rows = Rows,
        Split = "test",
        EvalSamples = 5,
        Seed = 42,
        Settings = settings.Length > 0 ? settings : [new SlotSetting("5", "0.1")],
        BatchSize = batchSize,
        OutputDirectory = Path.Combine(Dir, output),
    };

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
