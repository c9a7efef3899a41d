using System.Text.RegularExpressions;

namespace SlotSharp.Hub;

public enum HubRepoType { Model, Dataset }

/// <summary>A Hub repository ("org/name") of a given type; knows its cache folder name and URL prefixes.</summary>
public readonly partial record struct HubRepoId(string Id, HubRepoType Type)
{
    /// <summary>Validated like huggingface_hub.utils.validate_repo_id; the message names the bad value.</summary>
    public static HubRepoId Parse(string id, HubRepoType type)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 96 || !RepoIdPattern().IsMatch(id)
            || id.Contains("--", StringComparison.Ordinal) || id.Contains("..", StringComparison.Ordinal))
            throw new SlotSharpException(
                $"'{id}' is neither an existing local folder nor a valid Hub {TypeWord(type)} id (expected 'org/name')");
        return new HubRepoId(id, type);
    }

    /// <summary>"models--org--name", the folder huggingface_hub uses under the hub cache.</summary>
    internal string CacheFolderName => $"{TypeWord(Type)}s--{Id.Replace("/", "--", StringComparison.Ordinal)}";

    /// <summary>"api/models/org/name" or "api/datasets/org/name".</summary>
    internal string ApiPath => $"api/{TypeWord(Type)}s/{Id}";

    /// <summary>Prefix of resolve URLs: models live at the root, datasets under datasets/.</summary>
    internal string ResolvePath => Type == HubRepoType.Dataset ? $"datasets/{Id}" : Id;

    public override string ToString() => $"{TypeWord(Type)} '{Id}'";

    internal static string TypeWord(HubRepoType type) => type == HubRepoType.Dataset ? "dataset" : "model";

    [GeneratedRegex(@"^(\b[\w\-.]+\b/)?\b[\w\-.]+\b$")]
    private static partial Regex RepoIdPattern();
}
