namespace SlotSharp.Fuzz.Harness;

/// <summary>
/// Crash signatures found by this harness whose fix belongs to another change in flight. The CI fuzz test
/// reports these instead of failing; remove an entry once its fix is merged (the test then guards it).
/// </summary>
public static class KnownFindings
{
    static readonly (string Format, string Signature, string Note)[] Pending = [];

    public static string? PendingNote(string format, string signature) =>
        Pending.FirstOrDefault(p => p.Format == format && p.Signature == signature).Note;
}
