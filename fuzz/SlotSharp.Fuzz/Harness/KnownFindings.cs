namespace SlotSharp.Fuzz.Harness;

/// <summary>A crash signature whose fix belongs to another change in flight, with a seed that reproduces it.</summary>
public sealed record PendingFinding(string Format, string Signature, string Seed, string Note);

/// <summary>
/// Crash signatures found by this harness whose fix belongs to another change in flight. The CI fuzz test
/// reports these instead of failing, and fails once one of them no longer reproduces: remove that entry then
/// (the smoke test guards it from there on). Seeds are for `--count` runs with `--seed 1`.
/// </summary>
public static class KnownFindings
{
    /// <summary>Empty: every finding so far is fixed (docs/reliability.md lists them with their regression tests).</summary>
    public static IReadOnlyList<PendingFinding> Pending { get; } = [];

    /// <summary>
    /// The note of the pending entry with the same format, outcome and exception type. The frame is left out of the
    /// match on purpose: which SlotSharp method is innermost depends on what the JIT inlined (tier-0 code keeps
    /// small helpers such as TokenizerConfig.TokenString, tier-1 code folds them into their caller).
    /// </summary>
    public static string? PendingNote(string format, string signature) =>
        Pending.FirstOrDefault(p => p.Format == format && SameCause(p.Signature, signature))?.Note;

    /// <summary>True when two signatures agree on outcome and exception type ("Crash OverflowException").</summary>
    public static bool SameCause(string a, string b) => Cause(a) == Cause(b);

    static string Cause(string signature) => signature.Split(" at ")[0];
}
