using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SlotSharp.Evaluation;

/// <summary>One GSM8K row: its position in the split, the question, the full worked answer and the gold number text.</summary>
internal sealed record Gsm8kItem(int Index, string Question, string Answer)
{
    /// <summary>Text after the last "####", stripped (what the original logs as "Correct Answer").</summary>
    public string GroundTruth { get; } = Gsm8kScoring.ExtractGroundTruth(Answer);
}

/// <summary>Loads GSM8K ("main" config) rows from JSONL files with <c>question</c> and <c>answer</c> fields.</summary>
internal static partial class Gsm8kDataset
{
    public const string HubId = "openai/gsm8k";

    /// <summary>Test seam for Hub dataset ids; null uses <see cref="SlotSharp.Datasets.DatasetSource"/>.</summary>
    public static Func<string, string, IReadOnlyList<Gsm8kItem>>? HubLoader { get; set; }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex HubIdPattern();

    /// <summary>
    /// Resolves <c>--data</c>: an existing JSONL file, a folder containing <c>&lt;split&gt;.jsonl</c>, or a Hub id
    /// (through <see cref="HubLoader"/>).
    /// </summary>
    public static IReadOnlyList<Gsm8kItem> Load(string data, string split)
    {
        if (split is not ("test" or "train"))
            throw new SlotSharpException($"--split must be 'test' or 'train', got '{split}'");
        if (File.Exists(data)) return LoadJsonl(data);
        if (Directory.Exists(data))
        {
            var file = Path.Combine(data, split + ".jsonl");
            if (!File.Exists(file))
                throw new SlotSharpException($"--data folder '{data}' has no '{split}.jsonl'");
            return LoadJsonl(file);
        }
        if (HubIdPattern().IsMatch(data))
        {
            return (HubLoader ?? LoadFromHub)(data, split);
        }
        throw new SlotSharpException($"--data '{data}' is neither a file, a folder nor a Hub dataset id");
    }

    /// <summary>A Hub dataset id (openai/gsm8k): config "main", through the huggingface_hub-compatible cache.</summary>
    static IReadOnlyList<Gsm8kItem> LoadFromHub(string repo, string split)
    {
        var rows = SlotSharp.Datasets.DatasetSource.Load(repo, "main", split);
        var items = new List<Gsm8kItem>(rows.Count);
        foreach (var row in rows)
        {
            string Field(string name) => row.TryGetValue(name, out var v) && v != null
                ? v : throw new SlotSharpException($"--data '{repo}' split '{split}': row {items.Count} has no '{name}' field");
            items.Add(new Gsm8kItem(items.Count, Field("question"), Field("answer")));
        }
        return items;
    }

    /// <summary>Reads one JSON object per line; blank lines are skipped; errors name the file and 1-based line.</summary>
    public static IReadOnlyList<Gsm8kItem> LoadJsonl(string path)
    {
        var items = new List<Gsm8kItem>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e)
            {
                throw new SlotSharpException($"{path}:{lineNo}: invalid JSON ({e.Message})", e);
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new SlotSharpException($"{path}:{lineNo}: expected a JSON object");
                var question = RequireString(doc.RootElement, "question", path, lineNo);
                var answer = RequireString(doc.RootElement, "answer", path, lineNo);
                items.Add(new Gsm8kItem(items.Count, question, answer));
            }
        }
        return items;
    }

    static string RequireString(JsonElement obj, string field, string path, int lineNo)
    {
        if (!obj.TryGetProperty(field, out var v))
            throw new SlotSharpException($"{path}:{lineNo}: missing field '{field}'");
        if (v.ValueKind != JsonValueKind.String)
            throw new SlotSharpException($"{path}:{lineNo}: field '{field}' must be a string, got {v.ValueKind}");
        try { return v.GetString()!; }
        catch (InvalidOperationException e) // a lone surrogate escape such as "\ud800" has no UTF-16 string
        {
            throw new SlotSharpException($"{path}:{lineNo}: field '{field}' is not valid text ({e.Message})", e);
        }
    }

    /// <summary>
    /// The rows evaluated, in evaluation order: all of them, or <c>random.seed(seed); random.sample(rows, n)</c>
    /// when n is given and smaller than the split (as the original: n &gt;= split size means all, in file order).
    /// </summary>
    public static IReadOnlyList<T> Select<T>(IReadOnlyList<T> rows, int? evalSamples, long seed)
    {
        if (evalSamples is < 0) throw new SlotSharpException($"eval samples must be >= 0, got {evalSamples}");
        if (evalSamples is null || rows.Count <= evalSamples.Value) return rows;
        return new PythonRandom(seed).Sample(rows, evalSamples.Value);
    }

    /// <summary>SHA-256 over the rows' questions and answers; identifies the data in a results file header.</summary>
    public static string Fingerprint(IReadOnlyList<Gsm8kItem> rows) => Fingerprint(rows.Select(r => (r.Question, r.Answer)));

    /// <summary>The same fingerprint from (question, answer) pairs in split order.</summary>
    public static string Fingerprint(IEnumerable<(string Question, string Answer)> rows)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (question, answer) in rows)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(question));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(answer));
            sha.AppendData([0]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
