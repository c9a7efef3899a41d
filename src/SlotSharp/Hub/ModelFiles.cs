using System.Text.Json;
using SlotSharp.Backends;

namespace SlotSharp.Hub;

/// <summary>What a caller will run, so that only the weights that backend reads are downloaded.</summary>
/// <param name="Backend">A requested backend; null lets the repository's files decide, as for a local folder.</param>
/// <param name="GgufFile">A GGUF file to run (a file name or a repository path); implies llama.cpp.</param>
public sealed record WeightsChoice(BackendKind? Backend = null, string? GgufFile = null)
{
    public static readonly WeightsChoice Default = new();
}

/// <summary>The files to fetch first, and the GGUF file chosen when the model runs on llama.cpp.</summary>
internal sealed record ModelFilePlan(IReadOnlyList<string> Files, string? GgufFile);

/// <summary>
/// Which files of a model repository SlotSharp needs: configs, tokenizer and safetensors weights, or one GGUF file
/// (never the other quantizations) with the tokenizer and generation files beside it.
/// </summary>
internal static class ModelFiles
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

    /// <summary>Fetched beside a GGUF file when the repository has them: the project's exact tokenizer, the chat
    /// template and the stop ids then come from them, as for a local folder.</summary>
    public static readonly IReadOnlyList<string> GgufCompanions =
        ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "chat_template.jinja"];

    /// <summary>
    /// The backend the repository's files and <paramref name="choice"/> select (the rule <see cref="ModelLocator"/>
    /// applies to a folder), then the files to fetch before any shard is known: for llama.cpp the one GGUF file
    /// <see cref="GgufSelection"/> picks and its companions; for TorchSharp <see cref="FirstPass"/>.
    /// </summary>
    public static ModelFilePlan Plan(IReadOnlyCollection<string> repoFiles, HubRepoId repo, WeightsChoice choice)
    {
        var present = repoFiles.ToHashSet(StringComparer.Ordinal);
        bool hasGguf = repoFiles.Any(GgufSelection.IsGguf);
        bool hasSafetensors = present.Contains(SingleWeights) || present.Contains(WeightIndex);
        if (ModelLocator.PickBackend(hasSafetensors, hasGguf, choice.Backend, choice.GgufFile) == BackendKind.Torch)
        {
            if (hasGguf && !hasSafetensors)
                throw new SlotSharpException($"{repo} holds GGUF files and no safetensors; only the llama.cpp backend runs it");
            return new ModelFilePlan(FirstPass(repoFiles, repo), null);
        }
        var gguf = GgufSelection.Choose(repo.ToString(), repoFiles, choice.GgufFile);
        return new ModelFilePlan([gguf, .. GgufCompanions.Where(present.Contains)], gguf);
    }

    /// <summary>
    /// The safetensors files to fetch before the shards are known: metadata present in the repo, plus either the
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
