using SlotSharp.Hub;

namespace SlotSharp.Datasets;

/// <summary>
/// Loads one split of a dataset given as a local .jsonl/.json/.parquet file, a local folder laid out like a Hub
/// dataset repo, or a Hub dataset id (downloaded once into the shared huggingface_hub cache).
/// </summary>
internal static class DatasetSource
{
    /// <summary>
    /// Rows of field -> text. <paramref name="config"/> is the Hub config folder ("main" for openai/gsm8k;
    /// null or "default" when the repo has one), <paramref name="split"/> e.g. "test". A local file ignores both.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string?>> Load(string data, string? config, string split,
        string? revision = null, IProgress<HubProgress>? progress = null, HubSettings? settings = null)
    {
        if (File.Exists(data)) return DatasetRows.Read(data);
        if (Directory.Exists(data))
        {
            var local = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(data, f).Replace(Path.DirectorySeparatorChar, '/'));
            return ReadAll(data, DatasetFiles.Select(local, config, split, $"'{data}'"));
        }
        if (LooksLikeLocalPath(data))
            throw new SlotSharpException($"dataset file '{data}' does not exist");

        var repo = HubRepoId.Parse(data, HubRepoType.Dataset);
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment());
        var snapshot = client.OpenAsync(repo, revision).GetAwaiter().GetResult();
        var files = DatasetFiles.Select(snapshot.Files, config, split, $"'{repo.Id}'");
        client.EnsureFilesAsync(snapshot, files, progress).GetAwaiter().GetResult();
        return ReadAll(snapshot.Folder, files);
    }

    static List<IReadOnlyDictionary<string, string?>> ReadAll(string root, IReadOnlyList<string> files) =>
        files.SelectMany(f => DatasetRows.Read(Path.Combine(root, f.Replace('/', Path.DirectorySeparatorChar)))).ToList();

    // "data/test.jsonl" or "./x.parquet" is a missing file, not a Hub id; say so instead of querying the Hub.
    static bool LooksLikeLocalPath(string data) =>
        data.StartsWith('.') || data.StartsWith('/') || data.StartsWith('~') || Path.IsPathRooted(data)
        || data.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || data.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
        || data.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || data.Count(c => c == '/') > 1;
}
