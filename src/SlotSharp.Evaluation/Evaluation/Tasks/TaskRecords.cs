namespace SlotSharp.Evaluation.Tasks;

/// <summary>One scored document (one journal line); the details file is these, in document order.</summary>
internal sealed record TaskSampleRecord : IJournalRecord
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
internal sealed class TaskJournal : JsonlJournal<EvalRunHeader, TaskSampleRecord>
{
    TaskJournal(string path, EvalRunHeader header) : base(path, header, "task") { }

    public static TaskJournal OpenOrCreate(string path, EvalRunHeader header) => new(path, header);
}
