namespace SlotSharp.Datasets;

/// <summary>
/// Picks the data files of one config/split from a repository file list, the way the Hub's conventions lay them
/// out without needing the datasets-server: "main/test-00000-of-00001.parquet" (config folder),
/// "data/test-00000-of-00001.parquet" (default config), "test.jsonl", "default/test/0000.parquet".
/// </summary>
internal static class DatasetFiles
{
    static readonly string[] FormatsByPreference = [".parquet", ".jsonl", ".json"];

    public static IReadOnlyList<string> Select(IEnumerable<string> repoFiles, string? config, string split, string source)
    {
        var data = repoFiles.Where(f => FormatsByPreference.Any(ext => f.EndsWith(ext, StringComparison.OrdinalIgnoreCase)))
            .Where(f => !f.StartsWith('.')).ToList();
        var inSplit = data.Where(f => IsSplit(f, split)).ToList();
        var wantsConfig = config is { Length: > 0 } && config != "default";
        var chosen = wantsConfig ? inSplit.Where(f => Folders(f).Contains(config!)).ToList() : inSplit;
        if (chosen.Count == 0)
            throw new SlotSharpException($"dataset {source} has no data file for " +
                (wantsConfig ? $"config '{config}' " : "") + $"split '{split}'; its data files are: " + List(data));

        // Several config folders match a split-only request (gsm8k: main/ and socratic/): ask for one.
        var folders = chosen.Select(f => Path.GetDirectoryName(f) ?? "").Distinct().ToList();
        if (!wantsConfig && folders.Count > 1 && chosen.Select(TopFolder).Distinct().Count() > 1)
            throw new SlotSharpException($"dataset {source} has split '{split}' in several configs " +
                $"({string.Join(", ", chosen.Select(TopFolder).Distinct())}); pass a config");

        // One format only: a repo carrying both parquet and jsonl copies must not yield every row twice.
        var ext = FormatsByPreference.First(e => chosen.Any(f => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)));
        return chosen.Where(f => f.EndsWith(ext, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The file stem is the split ("test", "test-00000-of-00001", "test_0") or a folder is.</summary>
    static bool IsSplit(string path, string split)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var stem = name[..name.IndexOf('.')];
        return stem == split || stem.StartsWith(split + "-", StringComparison.Ordinal)
               || stem.StartsWith(split + "_", StringComparison.Ordinal) || Folders(path).Contains(split);
    }

    static string[] Folders(string path) => path.Split('/')[..^1];

    static string TopFolder(string path) => path.Contains('/') ? path[..path.IndexOf('/')] : "(root)";

    static string List(IReadOnlyList<string> files) =>
        files.Count == 0 ? "(none)" : string.Join(", ", files.Take(20)) + (files.Count > 20 ? ", ..." : "");
}
