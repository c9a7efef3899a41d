using System.Text.Json;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// <c>slot eval merge</c>: combines the journals that shard runs left in their output folders into what one unsharded
/// run writes (a whole journal, the results JSON, the details JSONL and the log). Shards of one setting must agree
/// on every setting but the shard index, cover every shard exactly once and together every document.
/// </summary>
public static class TaskShardMerge
{
    public static IReadOnlyList<TaskSettingResult> Merge(IReadOnlyList<string> folders, string outputDirectory) =>
        MergeAll(folders, outputDirectory).Tasks;

    /// <summary>Merges the shards of generation tasks and of log-likelihood tasks (whose journals hold other records).</summary>
    internal static (IReadOnlyList<TaskSettingResult> Tasks, IReadOnlyList<Loglik.LoglikSettingResult> Loglik) MergeAll(
        IReadOnlyList<string> folders, string outputDirectory)
    {
        if (folders.Count == 0) throw new SlotSharpException("no shard folder to merge");
        var journals = new List<(string Path, EvalRunHeader Header)>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) throw new SlotSharpException($"shard folder '{folder}' does not exist");
            foreach (var file in Directory.EnumerateFiles(folder, "journal_*_shard_*_of_*.jsonl").Order(StringComparer.Ordinal))
                journals.Add((file, ReadHeader(file)));
        }
        if (journals.Count == 0)
            throw new SlotSharpException($"no shard journal (journal_*_shard_*_of_*.jsonl) in {string.Join(", ", folders)}");

        var results = new List<TaskSettingResult>();
        var loglik = new List<Loglik.LoglikSettingResult>();
        foreach (var group in journals.GroupBy(j => j.Header with { ShardIndex = 0 }))
        {
            var whole = group.Key with { ShardCount = 1 };
            var shards = group.Select(j => j.Header.ShardIndex).Order().ToList();
            if (!shards.SequenceEqual(Enumerable.Range(0, group.Key.ShardCount)))
                throw new SlotSharpException($"{whole.Task} times={whole.Times} lr={whole.Lr}: found shards " +
                    $"{string.Join(",", shards)} of {group.Key.ShardCount}; each shard is needed exactly once");
            var taskName = whole.Task!; // ReadHeader admits only headers that name their task
            if (Loglik.LoglikTask.IsLoglikTask(taskName))
            {
                var paths = Loglik.LoglikRunner.Paths(outputDirectory, whole);
                var records = Collect<Loglik.LoglikSampleRecord>(group, whole, Loglik.LoglikJournal.OpenOrCreate);
                WriteWholeJournal<Loglik.LoglikSampleRecord>(paths.Journal(ShardSpec.Whole), whole, records, Loglik.LoglikJournal.OpenOrCreate);
                loglik.Add(Loglik.LoglikReport.Write(Loglik.LoglikTask.ByName(taskName), whole, paths, records));
            }
            else
            {
                var paths = TaskOutputPaths.For(outputDirectory, taskName, whole.ModelPath, new SlotSetting(whole.Times, whole.Lr));
                var records = Collect<TaskSampleRecord>(group, whole, TaskJournal.OpenOrCreate);
                WriteWholeJournal<TaskSampleRecord>(paths.Journal(ShardSpec.Whole), whole, records, TaskJournal.OpenOrCreate);
                results.Add(TaskReport.Write(LightevalTask.ByName(taskName), whole, paths, records));
            }
        }
        return (results, loglik);
    }

    /// <summary>Every shard's records, in sample order; throws when a document is missing.</summary>
    static List<TRecord> Collect<TRecord>(IEnumerable<(string Path, EvalRunHeader Header)> shards, EvalRunHeader whole,
        Func<string, EvalRunHeader, JsonlJournal<EvalRunHeader, TRecord>> open) where TRecord : class, IJournalRecord
    {
        var records = new Dictionary<int, TRecord>();
        foreach (var (path, header) in shards)
        {
            using var journal = open(path, header);
            foreach (var r in journal.Records.Values) records.TryAdd(r.Sample, r);
        }
        var missing = Enumerable.Range(1, whole.SampleCount).Where(s => !records.ContainsKey(s)).ToList();
        if (missing.Count > 0)
            throw new SlotSharpException($"{whole.Task} times={whole.Times} lr={whole.Lr}: {missing.Count} document(s) " +
                $"not yet evaluated (first: sample {missing[0]}); finish the shards first");
        return records.Values.OrderBy(r => r.Sample).ToList();
    }

    /// <summary>The journal an unsharded run would have, so the merged folder also resumes like one.</summary>
    static void WriteWholeJournal<TRecord>(string path, EvalRunHeader header, IEnumerable<TRecord> records,
        Func<string, EvalRunHeader, JsonlJournal<EvalRunHeader, TRecord>> open) where TRecord : class, IJournalRecord
    {
        if (File.Exists(path)) File.Delete(path);
        using var journal = open(path, header);
        foreach (var r in records) journal.Append(r);
    }

    static EvalRunHeader ReadHeader(string path)
    {
        string first;
        using (var reader = new StreamReader(path)) first = reader.ReadLine() ?? "";
        try
        {
            var h = JsonSerializer.Deserialize<EvalRunHeader>(first, EvalJson.Line);
            if (h is { Type: "header", Format: EvalRunHeader.TaskFormat, Task: not null }) return h;
        }
        catch (JsonException) { }
        throw new SlotSharpException($"{path}:1: not a SlotSharp task journal header");
    }
}
