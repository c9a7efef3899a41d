using System.Globalization;
using System.Text.Json.Serialization.Metadata;

namespace SlotSharp.Evaluation;

/// <summary>
/// First line of every journal: the settings that determine its results. A rerun whose settings differ in any
/// compared field is refused, so a resumed file never mixes two experiments. Two layouts share it, told apart by
/// <see cref="Format"/>: GSM8K's results JSONL (with <see cref="Split"/> and <see cref="EvalSamples"/>) and a
/// lighteval task journal (with <see cref="Task"/>, <see cref="Limit"/>, <see cref="TopP"/>,
/// <see cref="MaxModelLength"/> and the shard). Each layout writes and compares only its own fields, in the order
/// and spelling of the files written before the two records were merged, so those files still resume.
/// </summary>
internal sealed record EvalRunHeader : IJournalHeader<EvalRunHeader>
{
    public const string Gsm8kFormat = "slotsharp.gsm8k.results";
    public const string TaskFormat = "slotsharp.task.results";

    // JSON names of the fields only one layout has.
    static readonly string[] Gsm8kOnly = ["split", "eval_samples"];
    static readonly string[] TaskOnly = ["task", "limit", "top_p", "max_model_length", "shard_index", "shard_count"];

    public string Type { get; init; } = "header";
    /// <summary><see cref="Gsm8kFormat"/> or <see cref="TaskFormat"/>.</summary>
    public required string Format { get; init; }
    public int Version { get; init; } = 1;
    /// <summary>Task layout: the lighteval task name (aime24, math_500, gpqa:diamond).</summary>
    public string? Task { get; init; }
    public required string ModelPath { get; init; }
    public required string Data { get; init; }
    /// <summary>GSM8K: SHA-256 of the whole split's rows (<see cref="Gsm8kDataset.Fingerprint(IReadOnlyList{Gsm8kItem})"/>);
    /// tasks: of the evaluated documents' ids, prompts and golds (so shards of one run agree).</summary>
    public required string DataSha256 { get; init; }
    /// <summary>GSM8K layout: the split.</summary>
    public string? Split { get; init; }
    /// <summary>GSM8K layout: --eval-samples as given (null: all).</summary>
    public int? EvalSamples { get; init; }
    /// <summary>Task layout: lighteval's max_samples (null: all).</summary>
    public int? Limit { get; init; }
    public required long Seed { get; init; }
    public required string Times { get; init; }
    public required string Lr { get; init; }
    public required bool DoSample { get; init; }
    public required double Temperature { get; init; }
    /// <summary>Task layout: nucleus sampling mass.</summary>
    public double TopP { get; init; } = 1.0;
    public required int MaxNewTokens { get; init; }
    /// <summary>Task layout: vLLM's max_model_len cap on prompt plus generation.</summary>
    public int? MaxModelLength { get; init; }
    /// <summary>Samples of the whole run (all shards).</summary>
    public required int SampleCount { get; init; }
    /// <summary>Task layout: this journal's shard (0 of 1 when unsharded).</summary>
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    /// <summary>Log-likelihood tasks' selection mode ("heldout:M": <see cref="Times"/> and <see cref="Lr"/> list the
    /// candidate settings); null otherwise, and then not written, so older journals keep their bytes.</summary>
    public string? SlotSelect { get; init; }

    bool IsGsm8k => Format == Gsm8kFormat;

    /// <summary>Whether this header's layout has the field of JSON name <paramref name="field"/>.</summary>
    bool Has(string field) => !(IsGsm8k ? TaskOnly : Gsm8kOnly).Contains(field);

    /// <summary>A System.Text.Json modifier: a header writes only its layout's fields.</summary>
    internal static void WriteOnlyItsLayoutsFields(JsonTypeInfo info)
    {
        if (info.Type != typeof(EvalRunHeader)) return;
        foreach (var property in info.Properties)
        {
            var field = property.Name;
            property.ShouldSerialize = field == "slot_select"
                ? (_, value) => value != null
                : (header, _) => ((EvalRunHeader)header).Has(field);
        }
    }

    /// <summary>Names of the compared fields that differ from <paramref name="other"/> with both values ("" when equal).</summary>
    public string Differences(EvalRunHeader other)
    {
        var diffs = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (Has(name) && !EqualityComparer<T>.Default.Equals(a, b)) diffs.Add($"{name}: file has '{a}', this run has '{b}'");
        }
        Check("format", Format, other.Format);
        Check("version", Version, other.Version);
        Check("task", Task, other.Task);
        Check("model_path", ModelPath, other.ModelPath);
        Check("data_sha256", DataSha256, other.DataSha256);
        Check("split", Split, other.Split);
        Check("eval_samples", EvalSamples?.ToString(CultureInfo.InvariantCulture) ?? "All", other.EvalSamples?.ToString(CultureInfo.InvariantCulture) ?? "All");
        Check("limit", Limit, other.Limit);
        Check("seed", Seed, other.Seed);
        Check("times", Times, other.Times);
        Check("lr", Lr, other.Lr);
        Check("do_sample", DoSample, other.DoSample);
        Check("temperature", Temperature, other.Temperature);
        Check("top_p", TopP, other.TopP);
        Check("max_new_tokens", MaxNewTokens, other.MaxNewTokens);
        Check("max_model_length", MaxModelLength, other.MaxModelLength);
        Check("sample_count", SampleCount, other.SampleCount);
        Check("slot_select", SlotSelect, other.SlotSelect);
        if (Has("shard_index")) Check("shard", $"{ShardIndex}/{ShardCount}", $"{other.ShardIndex}/{other.ShardCount}");
        return string.Join("; ", diffs);
    }
}
