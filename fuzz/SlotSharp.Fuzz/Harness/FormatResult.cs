using SlotSharp.Fuzz.Formats;

namespace SlotSharp.Fuzz.Harness;

/// <summary>A failing input kept for reproduction: its CsCheck seed string, bytes and outcome.</summary>
public sealed record FailingInput(string Seed, byte[] Input, Outcome Outcome);

/// <summary>All failures of one signature within one format.</summary>
public sealed class Finding(string format, string signature)
{
    public const int KeptExamples = 3;

    public string Format { get; } = format;
    public string Signature { get; } = signature;
    public int Count { get; set; }
    public List<FailingInput> Examples { get; } = [];
    /// <summary>The shortest failing input CsCheck's search found for this signature, if shrinking ran.</summary>
    public FailingInput? Shrunk { get; set; }
    /// <summary>For hangs: how long the first hung input took in the end (null while still running).</summary>
    public TimeSpan? LateFinish { get; set; }
    public OutcomeKind Kind => Examples[0].Outcome.Kind;
}

/// <summary>The counts and findings of one format's run.</summary>
public sealed class FormatResult(FuzzFormat format)
{
    public FuzzFormat Format { get; } = format;
    public int Inputs { get; set; }
    public Dictionary<OutcomeKind, int> Counts { get; } = Enum.GetValues<OutcomeKind>().ToDictionary(k => k, _ => 0);
    public Dictionary<string, Finding> Findings { get; } = [];
    public TimeSpan Elapsed { get; set; }
    /// <summary>Why the run ended before its count, if it did (too many hung workers).</summary>
    public string? StoppedEarly { get; set; }

    // Record runs on the fuzzing thread, NoteLateFinish on an abandoned worker: both take this lock.
    readonly Lock _gate = new();

    public void Record(string seed, byte[] input, Outcome outcome)
    {
        lock (_gate) RecordLocked(seed, input, outcome);
    }

    /// <summary>A hung input finished after all: tells the hang findings (still without a time) how long it took.</summary>
    public void NoteLateFinish(TimeSpan elapsed)
    {
        lock (_gate)
            foreach (var f in Findings.Values.Where(f => f.Kind == OutcomeKind.Hang && f.LateFinish == null))
                f.LateFinish = elapsed;
    }

    void RecordLocked(string seed, byte[] input, Outcome outcome)
    {
        Inputs++;
        Counts[outcome.Kind]++;
        if (outcome.Kind is OutcomeKind.Ok or OutcomeKind.CleanError) return;
        if (!Findings.TryGetValue(outcome.Signature, out var finding))
            Findings[outcome.Signature] = finding = new Finding(Format.Name, outcome.Signature);
        finding.Count++;
        if (finding.Examples.Count < Finding.KeptExamples) finding.Examples.Add(new FailingInput(seed, input, outcome));
    }
}
