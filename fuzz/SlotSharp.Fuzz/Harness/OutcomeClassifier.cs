using SlotSharp.Cli.Commands;

namespace SlotSharp.Fuzz.Harness;

/// <summary>Sorts an exception into clean / unclear / crash / over-memory, following CliErrors' idea of a user error.</summary>
public static class OutcomeClassifier
{
    /// <param name="documented">The format's own documented error types (e.g. JsonException for an HTTP body).</param>
    public static OutcomeKind Classify(Exception e, Func<Exception, bool> documented)
    {
        if (e is OutOfMemoryException) return OutcomeKind.OverMemory;
        if (e is SlotSharpException or UserInputException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            || documented(e))
            return OutcomeKind.CleanError;
        // CliErrors also prints these as user errors; that is only right when SlotSharp threw them with a message
        // naming the input. From deep inside the base library they name nothing the user can act on.
        if (e is ArgumentException or FormatException or NotSupportedException)
            return ThrownBySlotSharp(e) ? OutcomeKind.CleanError : OutcomeKind.UnclearError;
        return OutcomeKind.Crash;
    }

    static bool ThrownBySlotSharp(Exception e) =>
        e.TargetSite?.DeclaringType?.Namespace?.StartsWith("SlotSharp", StringComparison.Ordinal) == true;
}
