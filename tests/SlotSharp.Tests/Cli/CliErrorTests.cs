using System.CommandLine;
using CliProgram = SlotSharp.Cli.Program; // the fuzz project referenced by the tests has its own Program
using SlotSharp.Cli.Commands;

namespace SlotSharp.Tests.Cli;

/// <summary>How `slot` reports command-line mistakes, user errors and internal errors (exit codes 2 and 70).</summary>
public sealed class CliErrorTests
{
    static (int Code, string[] Lines) RunInProcess(RootCommand root, params string[] args)
    {
        var error = new StringWriter();
        int code = CliProgram.Run(root, args, error);
        return (code, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The real command tree plus a `boom` command that throws <paramref name="exception"/>.</summary>
    static RootCommand Throwing(Exception exception)
    {
        var root = CliProgram.CreateRoot();
        var boom = new Command("boom");
        boom.SetAction((Func<ParseResult, int>)(_ => throw exception));
        root.Subcommands.Add(boom);
        return root;
    }

    [SkippableFact]
    public void MisspeltFlagIsOneLineOnStderrWithTheSuggestionAndExitCode2()
    {
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", "m", "--prompt-ids", "1", "--lrr", "0.1");
        Assert.Equal(2, code);
        Assert.Equal("", stdout); // no help dump
        Assert.Equal("error: Unrecognized command or argument '--lrr' (did you mean --lr?); see 'slot generate --help'", stderr.TrimEnd('\n'));
    }

    [SkippableTheory]
    [InlineData("--lr", "abc", "--lr: expected a number, got 'abc'")]
    [InlineData("--times", "1.5", "--times: expected an integer, got '1.5'")]
    [InlineData("--max-new-tokens", "many", "--max-new-tokens: expected an integer, got 'many'")]
    public void BadNumberNamesTheOptionAndTheExpectedFormWithoutATypeName(string option, string value, string expected)
    {
        var (code, lines) = RunInProcess(CliProgram.CreateRoot(), "generate", "--model", "m", "--prompt-ids", "1", option, value);
        Assert.Equal(2, code);
        Assert.Equal([$"error: {expected}; see 'slot generate --help'"], lines);
    }

    [SkippableFact]
    public void MisspeltSubcommandIsNamedWithTheSuggestion()
    {
        var (code, lines) = RunInProcess(CliProgram.CreateRoot(), "gnerate");
        Assert.Equal(2, code);
        Assert.Equal(["error: Unrecognized command or argument 'gnerate' (did you mean generate?); see 'slot --help'"], lines);
    }

    [SkippableFact]
    public void ValueOutsideTheAllowedSetIsOneLineNamingTheOption()
    {
        var (code, lines) = RunInProcess(CliProgram.CreateRoot(), "eval", "gsm8k", "--model", "m", "--split", "dev");
        Assert.Equal(2, code);
        Assert.Equal(["error: --split: Argument 'dev' not recognized. Must be one of: 'test' 'train'; see 'slot eval gsm8k --help'"], lines);
    }

    [SkippableFact]
    public void InternalErrorIsOneLineWithAVerboseHintAndExitCode70()
    {
        var (code, lines) = RunInProcess(Throwing(new InvalidOperationException("index out of step")), "boom");
        Assert.Equal(CliErrors.InternalError, code);
        Assert.Equal(["internal error: InvalidOperationException: index out of step (rerun with --verbose for the stack trace)"], lines);
    }

    [SkippableFact]
    public void VerbosePrintsTheStackTrace()
    {
        var (code, lines) = RunInProcess(Throwing(new InvalidOperationException("index out of step")), "boom", "--verbose");
        Assert.Equal(70, code);
        Assert.StartsWith("internal error: System.InvalidOperationException: index out of step", lines[0]);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void UserErrorsAreDecidedByType()
    {
        // The library's and the CLI's user-error types, and a missing file whose message names it: exit 2, one line.
        foreach (var e in new Exception[] { new SlotSharpException("config.json: bad"), new UserInputException("--x: bad"),
                     new FileNotFoundException("Could not find file '/tmp/nope.json'.", "/tmp/nope.json") })
        {
            var (code, lines) = RunInProcess(Throwing(e), "boom");
            Assert.Equal(2, code);
            Assert.Equal([$"error: {e.Message}"], lines);
        }
        // The framework's argument, format and support exceptions also come from bugs: internal errors.
        foreach (var e in new Exception[] { new ArgumentException("x"), new NotSupportedException("x"), new FormatException("x"),
                     new InvalidDataException("x"), new FileNotFoundException("file not found") })
            Assert.Equal(70, RunInProcess(Throwing(e), "boom").Code);
    }
}
