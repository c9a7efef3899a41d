namespace SlotSharp.Evaluation.Loglik;

/// <summary>One scored document under one setting (one journal line): every request's score and the metrics.</summary>
internal sealed record LoglikSampleRecord : IJournalRecord
{
    public string Type { get; init; } = "sample";
    /// <summary>1-based position among the run's documents.</summary>
    public required int Sample { get; init; }
    /// <summary>0-based dataset row.</summary>
    public required int DatasetIndex { get; init; }
    public required string Id { get; init; }
    public required IReadOnlyList<string> Contexts { get; init; }
    public required IReadOnlyList<string> Continuations { get; init; }
    /// <summary>doc_to_choice: the strings acc_norm's lengths come from.</summary>
    public required IReadOnlyList<string> Choices { get; init; }
    public required int Gold { get; init; }
    /// <summary>Per request: the continuation's summed log-probability.</summary>
    public required IReadOnlyList<double> Loglikelihoods { get; init; }
    public required IReadOnlyList<bool> IsGreedy { get; init; }
    public required int Pred { get; init; }
    public required int PredNorm { get; init; }
    public required double Acc { get; init; }
    public required double AccNorm { get; init; }
    public required IReadOnlyList<int> ContextTokens { get; init; }
    public required IReadOnlyList<int> ContinuationTokens { get; init; }
    /// <summary>Per request: the SLOT stage's loss per step (empty at times 0).</summary>
    public required IReadOnlyList<IReadOnlyList<double>> SlotLosses { get; init; }
    /// <summary>Selection mode: the (times, lr) chosen per request; null otherwise.</summary>
    public IReadOnlyList<string>? Selected { get; init; }
    /// <summary>Selection mode: per request, every candidate's log-likelihood and held-out loss (settings order).</summary>
    public IReadOnlyList<IReadOnlyList<double>>? CandidateLoglikelihoods { get; init; }
    public IReadOnlyList<IReadOnlyList<double>>? CandidateHeldOutLosses { get; init; }
    public required double PrefillSeconds { get; init; }
    public required double SlotSeconds { get; init; }
    public required double ElapsedSeconds { get; init; }

    public double Metric(string name) => name == "acc_norm" ? AccNorm : Acc;
}

/// <summary>The journal of one setting (one shard) of a log-likelihood task.</summary>
internal sealed class LoglikJournal : JsonlJournal<EvalRunHeader, LoglikSampleRecord>
{
    LoglikJournal(string path, EvalRunHeader header) : base(path, header, "log-likelihood task") { }

    public static LoglikJournal OpenOrCreate(string path, EvalRunHeader header) => new(path, header);
}
