using System.Text.Json;

namespace SlotSharp.Fuzz.Harness;

/// <summary>One finding in machine-readable form (--summary), e.g. for the CI test that runs the tool as a child process.</summary>
public sealed record FindingSummary(string Signature, OutcomeKind Kind, int Count, string Seed, string? Message, string? Pending);

/// <summary>One format's counts and findings in machine-readable form.</summary>
public sealed record FormatSummary(string Format, int Inputs, IReadOnlyDictionary<OutcomeKind, int> Counts, string? StoppedEarly,
    IReadOnlyList<FindingSummary> Findings)
{
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static FormatSummary From(FormatResult r) => new(r.Format.Name, r.Inputs, r.Counts, r.StoppedEarly,
        [.. r.Findings.Values.Select(f => new FindingSummary(f.Signature, f.Kind, f.Count, f.Examples[0].Seed,
            f.Examples[0].Outcome.Error?.Message, KnownFindings.PendingNote(f.Format, f.Signature)))]);

    public static void Write(IReadOnlyList<FormatResult> results, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(results.Select(From).ToList(), Options));

    public static List<FormatSummary> Read(string path) =>
        JsonSerializer.Deserialize<List<FormatSummary>>(File.ReadAllText(path), Options) ?? [];
}
