using System.Text.Json;

namespace SlotSharp.Hub;

/// <summary>Which files of a model repository SlotSharp needs: configs, tokenizer and safetensors weights only.</summary>
public static class ModelFiles
{
    public const string Config = "config.json";
    public const string SingleWeights = "model.safetensors";
    public const string WeightIndex = "model.safetensors.index.json";

    /// <summary>Fetched when the repository has them; only config.json is required.</summary>
    public static readonly IReadOnlyList<string> Metadata =
    [
        Config, "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "chat_template.jinja",
    ];

    /// <summary>
    /// The files to fetch before the shards are known: metadata present in the repo, plus either the
    /// sharded index or the single safetensors file. Pickle weights (*.bin, *.pth) are never selected.
    /// </summary>
    public static IReadOnlyList<string> FirstPass(IReadOnlyCollection<string> repoFiles, HubRepoId repo)
    {
        var present = repoFiles.ToHashSet(StringComparer.Ordinal);
        if (!present.Contains(Config))
            throw new SlotSharpException($"{repo} has no {Config}: it is not a transformers model repository");
        var files = Metadata.Where(present.Contains).ToList();
        if (present.Contains(WeightIndex)) files.Add(WeightIndex);
        else if (present.Contains(SingleWeights)) files.Add(SingleWeights);
        else
        {
            var pickles = repoFiles.Any(f => f.EndsWith(".bin", StringComparison.Ordinal) || f.EndsWith(".pth", StringComparison.Ordinal));
            throw new SlotSharpException($"{repo} has neither {SingleWeights} nor {WeightIndex}" +
                (pickles ? "; it only ships PyTorch pickle weights (*.bin/*.pth), which SlotSharp never loads" : ""));
        }
        return files;
    }

    /// <summary>The distinct shard files named in model.safetensors.index.json's weight_map.</summary>
    public static IReadOnlyList<string> ShardsFromIndex(string indexPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new SlotSharpException($"'{indexPath}' has no 'weight_map' object");
        return map.EnumerateObject().Select(p => p.Value.GetString()
                ?? throw new SlotSharpException($"'{indexPath}': weight_map['{p.Name}'] is not a file name"))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}
