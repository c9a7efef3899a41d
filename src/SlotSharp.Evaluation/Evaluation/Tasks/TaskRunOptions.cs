namespace SlotSharp.Evaluation.Tasks;

/// <summary>Everything a run of any task needs besides the engine.</summary>
public sealed record TaskRunOptions
{
    public required IEvalTask Task { get; init; }
    /// <summary>All documents of the dataset, in dataset order (the task's Load).</summary>
    public required IReadOnlyList<TaskDocument> Documents { get; init; }
    /// <summary>Model path as given (recorded in the results and compared on resume).</summary>
    public required string ModelPath { get; init; }
    /// <summary>What the data argument said (a file, folder or Hub id); informational.</summary>
    public required string DataLabel { get; init; }
    /// <summary>One setting, or every combination of a sweep.</summary>
    public required IReadOnlyList<SlotSetting> Settings { get; init; }
    public required EvalGeneration Generation { get; init; }
    /// <summary>How many documents to evaluate, as the task's <see cref="IEvalTask.Select"/> reads it; null: all.</summary>
    public int? Limit { get; init; }
    /// <summary>Seeds each document's sampling (mixed with its row, so batching and sharding change nothing), and
    /// whatever the task's selection uses it for.</summary>
    public long Seed { get; init; } = 1234;
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;
    /// <summary>Prompts per engine call.</summary>
    public int BatchSize { get; init; } = 1;
    public string OutputDirectory { get; init; } = ".";
}
