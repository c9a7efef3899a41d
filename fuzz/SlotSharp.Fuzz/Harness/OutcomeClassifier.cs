using SlotSharp.Cli.Commands;

namespace SlotSharp.Fuzz.Harness;

/// <summary>
/// Sorts an exception into clean error / crash / over-memory by the CLI's own rule, so that "clean" here means
/// exactly what `slot` prints as one line with exit code 2: <see cref="CliErrors.IsUserError"/> (SlotSharpException
/// and subtypes, UserInputException, a missing file or folder whose message names the path).
/// </summary>
public static class OutcomeClassifier
{
    /// <param name="documented">The format's own documented error types (e.g. JsonException for an HTTP body: the server answers 400).</param>
    public static OutcomeKind Classify(Exception e, Func<Exception, bool> documented)
    {
        if (e is OutOfMemoryException) return OutcomeKind.OverMemory;
        return CliErrors.IsUserError(e) || documented(e) ? OutcomeKind.CleanError : OutcomeKind.Crash;
    }
}
