using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;
using SlotSharp.Hub;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// An lm-evaluation-harness multiple-choice task (output_type multiple_choice), zero-shot, prompts rendered as its
/// task YAML and preprocessing code render them (read at commit 4e7e0d47f33bc71070c1d38394bafbb52b117163 of
/// EleutherAI/lm-evaluation-harness), plain text without a chat template (the harness's default). Every choice is one
/// loglikelihood request; the metrics are the ones the task's metric_list names.
/// </summary>
internal abstract class LoglikTask
{
    /// <summary>lm-evaluation-harness's task name (arc_challenge); it names the files.</summary>
    public abstract string Name { get; }
    /// <summary>The Hub dataset read when no --data is given.</summary>
    public abstract string DefaultData { get; }
    /// <summary>The Hub config (dataset_name) and the split the harness evaluates.</summary>
    public abstract string? HubConfig { get; }
    public abstract string HubSplit { get; }
    /// <summary>acc, and acc_norm where the task's metric_list has it.</summary>
    public abstract IReadOnlyList<string> Metrics { get; }

    public string ResultsKey => $"lm_eval|{Name}|0";
    /// <summary>metadata.version of every one of these task YAMLs (1.0).</summary>
    public static int Version => 1;

    /// <summary>Hub cache, endpoint and token for a Hub dataset id (null: the environment's HF_* variables).</summary>
    public HubSettings? Hub { get; init; }

    /// <summary>The document of dataset row <paramref name="index"/>; errors name <paramref name="data"/> and the row.</summary>
    protected abstract ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data);

    public IReadOnlyList<ChoiceDocument> Load(string data) =>
        TaskData.Load(data, HubConfig, HubSplit, Name, hub: Hub).Select((row, i) => Document(row, i, data)).ToList();

    /// <summary>
    /// The harness evaluates documents in dataset order, and --limit N keeps the first N of each task; MMLU is one
    /// task per subject, so there the limit applies to each subject.
    /// </summary>
    public static IReadOnlyList<ChoiceDocument> Select(IReadOnlyList<ChoiceDocument> documents, int? limit)
    {
        if (limit is < 1) throw new SlotSharpException($"limit must be >= 1, got {limit}");
        if (limit is not { } n) return documents;
        var taken = new Dictionary<string, int>();
        var selected = new List<ChoiceDocument>();
        foreach (var d in documents)
        {
            var group = d.Group ?? "";
            taken.TryGetValue(group, out int count);
            if (count >= n) continue;
            taken[group] = count + 1;
            selected.Add(d);
        }
        return selected;
    }

    /// <summary>The tasks by the CLI's name (arc-challenge) or the harness's (arc_challenge).</summary>
    public static LoglikTask ByName(string name) => name switch
    {
        "arc-challenge" or "arc_challenge" => new ArcChallengeTask(),
        "hellaswag" => new HellaswagTask(),
        "mmlu" => new MmluTask(),
        "piqa" => new PiqaTask(),
        "winogrande" => new WinograndeTask(),
        _ => throw new SlotSharpException($"unknown log-likelihood task '{name}' (expected arc-challenge, hellaswag, mmlu, piqa or winogrande)"),
    };

    public static bool IsLoglikTask(string name) => name is "arc_challenge" or "hellaswag" or "mmlu" or "piqa" or "winogrande";

    /// <summary>Every context + " " + choice: the requests of a task whose choices are the continuations.</summary>
    protected static IReadOnlyList<LoglikRequest> SameContext(string context, IReadOnlyList<string> choices) =>
        choices.Select(c => new LoglikRequest(context, " " + c)).ToList();

    protected static string Field(IReadOnlyDictionary<string, string?> row, string name, string data, int index) =>
        TaskData.Field(row, name, data, index);

    /// <summary>A field holding JSON (a list or struct column: Parquet's and JSONL's nested values arrive as JSON text).</summary>
    protected static JsonNode Json(IReadOnlyDictionary<string, string?> row, string name, string data, int index)
    {
        var text = Field(row, name, data, index);
        try { return JsonNode.Parse(text) ?? throw new SlotSharpException($"data '{data}' row {index}: field '{name}' is null"); }
        catch (JsonException e) { throw new SlotSharpException($"data '{data}' row {index}: field '{name}' is not a list ({e.Message})", e); }
    }

    /// <summary>A list-of-strings field (["a", "b"]).</summary>
    protected static IReadOnlyList<string> Strings(JsonNode? node, string name, string data, int index) =>
        node is JsonArray array && array.All(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            ? array.Select(x => x!.GetValue<string>()).ToList()
            : throw new SlotSharpException($"data '{data}' row {index}: field '{name}' must be a list of strings, got {Shown(node)}");

    static string Shown(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "nothing";
        return text.Length > 80 ? text[..80] + "..." : text;
    }

    protected static int Gold(int gold, int choices, string data, int index, string field) =>
        gold >= 0 && gold < choices ? gold
            : throw new SlotSharpException($"data '{data}' row {index}: '{field}' {gold} is not one of the {choices} choices");
}
