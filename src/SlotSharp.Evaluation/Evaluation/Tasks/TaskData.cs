using SlotSharp.Datasets;
using SlotSharp.Hub;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>Resolves a task's data argument to rows of field -> text.</summary>
internal static class TaskData
{
    /// <summary>
    /// A .csv/.jsonl/.json/.parquet file; a folder holding test.jsonl (the layout of shared/datasets) or laid out like
    /// a Hub dataset repo; or a Hub dataset id. A Hub dataset whose files are not in the Hub's parquet layout (GPQA
    /// ships CSVs) is read from the Hub's automatic parquet conversion, given as <paramref name="hubRevision"/>.
    /// <paramref name="hub"/>: cache, endpoint and token (null: the environment's HF_* variables).
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string?>> Load(string data, string? config, string hubSplit,
        string task, string? hubRevision = null, HubSettings? hub = null)
    {
        IReadOnlyList<IReadOnlyDictionary<string, string?>> rows;
        if (File.Exists(data) && data.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) rows = CsvTable.Read(data);
        else if (Directory.Exists(data) && File.Exists(Path.Combine(data, "test.jsonl")))
            rows = DatasetRows.Read(Path.Combine(data, "test.jsonl"));
        else rows = DatasetSource.Load(data, config, hubSplit, File.Exists(data) || Directory.Exists(data) ? null : hubRevision, settings: hub);
        if (rows.Count == 0) throw new SlotSharpException($"{task} data '{data}' has no rows");
        return rows;
    }

    /// <summary>A required text field; the error names the data and the 0-based row.</summary>
    public static string Field(IReadOnlyDictionary<string, string?> row, string name, string data, int index) =>
        row.TryGetValue(name, out var v) && v != null
            ? v
            : throw new SlotSharpException($"data '{data}' row {index} has no '{name}' field");

    public static string? OptionalField(IReadOnlyDictionary<string, string?> row, string name) =>
        row.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
}
