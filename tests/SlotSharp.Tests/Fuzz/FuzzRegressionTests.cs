using System.Buffers.Binary;
using Parquet.Serialization;
using SlotSharp.Datasets;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Fuzz;

/// <summary>
/// Inputs the fuzz harness found crashing the dataset readers (docs/reliability.md), reduced by hand.
/// Each must now end in a SlotSharpException that names the file (and line or item where there is one).
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    readonly FuzzInputFolder _inputs = new("slotsharp-fuzz-regress-");

    string Write(string name, byte[] content) => _inputs.Write(name, content);

    string Write(string name, string content) => _inputs.Write(name, content);

    [SkippableTheory]
    // A duplicated key made JsonObject throw ArgumentException ("An item with the same key has already been added").
    [InlineData("{\"question\": \"a\", \"question\": \"b\"}", "line 2")]
    // A lone surrogate escape made JsonValue.GetValue<string> throw InvalidOperationException.
    [InlineData("{\"question\": \"\\ud800\", \"answer\": \"1\"}", "line 2")]
    public void JsonlRowThatIsNotAUsableObjectNamesTheLine(string badLine, string where)
    {
        var path = Write("rows.jsonl", "{\"question\": \"ok\", \"answer\": \"1\"}\n" + badLine + "\n");
        var e = Assert.Throws<SlotSharpException>(() => DatasetRows.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(where, e.Message);
    }

    [SkippableFact]
    public void JsonArrayItemWithALoneSurrogateNamesTheItem()
    {
        var path = Write("rows.json", "[{\"question\": \"ok\"}, {\"question\": \"\\udc00\"}]");
        var e = Assert.Throws<SlotSharpException>(() => DatasetRows.Read(path));
        Assert.Contains("item 1", e.Message);
    }

    [SkippableFact]
    public void ParquetWithACorruptFooterIsAUserError()
    {
        var file = ParquetFile();
        // Layout: ... footer (Thrift) | footer length (int32 LE) | "PAR1". Garbage in the footer's first bytes made
        // Parquet.Net throw ThriftProtocolException, which the reader did not treat as a bad file.
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        file.AsSpan(file.Length - 8 - footerLength, 4).Fill(0xFF);
        var path = Write("rows.parquet", file);
        var e = Assert.Throws<SlotSharpException>(() => DatasetRows.Read(path));
        Assert.Contains(path, e.Message);
    }

    [SkippableFact]
    public void Gsm8kRowWithALoneSurrogateNamesTheLineAndField()
    {
        var path = Write("test.jsonl", "{\"question\": \"\\ud800\", \"answer\": \"#### 1\"}\n");
        var e = Assert.Throws<SlotSharpException>(() => Gsm8kDataset.LoadJsonl(path));
        Assert.Contains($"{path}:1", e.Message);
        Assert.Contains("'question'", e.Message);
    }

    static byte[] ParquetFile()
    {
        using var stream = new MemoryStream();
        ParquetSerializer.SerializeAsync(new[] { new Row { question = "q", answer = "a" } }, stream).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    public sealed class Row
    {
        public string question { get; set; } = "";
        public string answer { get; set; } = "";
    }

    public void Dispose() => _inputs.Dispose();
}
