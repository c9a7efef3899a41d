namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// First line of a task journal: everything that determines its results. A rerun whose settings differ is refused;
/// shards of one run differ only in <see cref="ShardIndex"/>.
/// </summary>
public sealed record TaskRunHeader : IJournalHeader<TaskRunHeader>
{
    public const string FormatName = "slotsharp.task.results";
    public string Type { get; init; } = "header";
    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = 1;
    /// <summary>lighteval task name (aime24, math_500, gpqa:diamond).</summary>
    public required string Task { get; init; }
    public required string ModelPath { get; init; }
    public required string Data { get; init; }
    /// <summary>SHA-256 over the documents' ids, prompts and golds.</summary>
    public required string DataSha256 { get; init; }
    public required int? Limit { get; init; }
    public required long Seed { get; init; }
    public required string Times { get; init; }
    public required string Lr { get; init; }
    public required bool DoSample { get; init; }
    public required double Temperature { get; init; }
    public required double TopP { get; init; }
    public required int MaxNewTokens { get; init; }
    public required int? MaxModelLength { get; init; }
    /// <summary>Documents of the whole run (all shards).</summary>
    public required int SampleCount { get; init; }
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;

    public string Differences(TaskRunHeader other)
    {
        var diffs = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) diffs.Add($"{name}: file has '{a}', this run has '{b}'");
        }
        Check("format", Format, other.Format);
        Check("version", Version, other.Version);
        Check("task", Task, other.Task);
        Check("model_path", ModelPath, other.ModelPath);
        Check("data_sha256", DataSha256, other.DataSha256);
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
        Check("shard", $"{ShardIndex}/{ShardCount}", $"{other.ShardIndex}/{other.ShardCount}");
        return string.Join("; ", diffs);
    }
}

/// <summary>One scored document (one journal line); the details file is these, in document order.</summary>
public sealed record TaskSampleRecord : IJournalRecord
{
    public string Type { get; init; } = "sample";
    /// <summary>1-based position among the run's documents.</summary>
    public required int Sample { get; init; }
    /// <summary>0-based dataset row.</summary>
    public required int DatasetIndex { get; init; }
    public required string Id { get; init; }
    /// <summary>The exact text handed to the tokenizer (after the chat template); null if the engine did not say.</summary>
    public required string? FullPrompt { get; init; }
    public required string Prediction { get; init; }
    public required string Gold { get; init; }
    public required IReadOnlyList<string> ExtractedGold { get; init; }
    public required IReadOnlyList<string> ExtractedPrediction { get; init; }
    /// <summary>extractive_match: 1 or 0.</summary>
    public required double Score { get; init; }
    public required IReadOnlyList<double> SlotLosses { get; init; }
    public required int PromptTokens { get; init; }
    public required int GeneratedTokens { get; init; }
    public required double PrefillSeconds { get; init; }
    public required double SlotSeconds { get; init; }
    public required double DecodeSeconds { get; init; }
    public required double ElapsedSeconds { get; init; }
}

/// <summary>The task journal of one setting (one shard).</summary>
public sealed class TaskJournal : JsonlJournal<TaskRunHeader, TaskSampleRecord>
{
    TaskJournal(string path, TaskRunHeader header) : base(path, header, "task") { }

    public static TaskJournal OpenOrCreate(string path, TaskRunHeader header) => new(path, header);
}
