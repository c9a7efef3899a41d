namespace SlotSharp.Cli.Commands;

/// <summary>Thrown for bad user input; the message names the argument, file or field at fault.</summary>
public sealed class UserInputException(string message, Exception? inner = null) : Exception(message, inner);

public static class CliErrors
{
    /// <summary>Runs a command; user errors become one line on stderr and exit code 2, never a stack trace.</summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    static bool IsUserError(Exception e) =>
        e is UserInputException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
          or ArgumentException or FormatException or NotSupportedException or SlotSharp.SlotSharpException;
}
