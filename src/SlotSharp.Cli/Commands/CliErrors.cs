using SlotSharp.IO;
namespace SlotSharp.Cli.Commands;

/// <summary>Thrown for bad user input; the message names the argument, file or field at fault.</summary>
internal sealed class UserInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// How the CLI reports failures. User errors (bad argument, file or field) are one line on stderr and exit code 2;
/// anything else is a bug here: one "internal error" line and exit code 70 (BSD's EX_SOFTWARE), with the stack
/// trace only under --verbose.
/// </summary>
internal static class CliErrors
{
    /// <summary>Runs a library parse of a flag's value; its error (which names no flag) is reported against <paramref name="flag"/>.</summary>
    public static T NamingFlag<T>(string flag, Func<T> parse)
    {
        try { return parse(); }
        catch (SlotSharpException e) { throw new UserInputException($"{flag}: {e.Message}", e); }
    }

    public const int UserError = 2;
    public const int InternalError = 70;

    /// <summary>Runs a command; user errors become one line on stderr and exit code 2. Other exceptions propagate.</summary>
    public static int Guard(Func<int> body) => Guard(body, Console.Error);

    static int Guard(Func<int> body, TextWriter error)
    {
        try { return body(); }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return UserError;
        }
    }

    /// <summary>The top level: <see cref="Guard(Func{int})"/>, and any other exception as one "internal error" line (exit 70).</summary>
    public static int Run(Func<int> body, bool verbose, TextWriter error)
    {
        try { return Guard(body, error); }
        catch (Exception e)
        {
            error.WriteLine(verbose
                ? $"internal error: {e}"
                : $"internal error: {e.GetType().Name}: {OneLine(e.Message)} (rerun with --verbose for the stack trace)");
            return InternalError;
        }
    }

    /// <summary>
    /// Decided by type: the library's SlotSharpException family and the CLI's UserInputException are user errors by
    /// contract. A missing file or folder is one too, but only when the message names the path (the runtime's own
    /// messages do; a bare "file not found" from deep inside a dependency is treated as a bug), and so is a refused
    /// write or read on a named path, or a named path that is a folder where a file was expected (EISDIR) or runs
    /// through a file (ENOTDIR). A full disk (ENOSPC, EDQUOT) and a read-only file system (EROFS) are the
    /// environment's, never a bug: user errors with the runtime's message (cause and, where it knows it, the path). ArgumentException,
    /// NotSupportedException, FormatException and InvalidDataException are not: they also come from bugs.
    /// </summary>
    public static bool IsUserError(Exception e) => e switch
    {
        SlotSharpException or UserInputException => true,
        // The environment, not a bug: no permission on a named path, a full disk, a read-only file system.
        UnauthorizedAccessException u => u.Message.Contains('/') || u.Message.Contains('\\'),
        IOException io when IoErrors.IsStorageRefusal(io) => true,
        // A path given as a file that is a folder (EISDIR), or under a file (ENOTDIR): the runtime's message names it.
        IOException io when io.HResult is IoErrors.Eisdir or IoErrors.Enotdir => io.Message.Contains('/') || io.Message.Contains('\\'),
        FileNotFoundException f => f.FileName is { Length: > 0 } name && f.Message.Contains(name, StringComparison.Ordinal),
        DirectoryNotFoundException d => d.Message.Contains('/') || d.Message.Contains('\\'),
        _ => false,
    };

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
