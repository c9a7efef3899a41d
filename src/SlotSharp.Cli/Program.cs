using System.CommandLine;
using SlotSharp.Cli.Commands;

namespace SlotSharp.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args);

    /// <summary>Entry point also used by tests (in-process CLI runs).</summary>
    public static int Run(string[] args)
    {
        var root = new RootCommand("slot: SLOT test-time adaptation for Hugging Face causal LMs");
        // One file per sub-command under Commands/.
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(GradeCommand.Create());
        // The default handler would print a stack trace and exit 1 before CliErrors.Guard sees the exception.
        return CliErrors.Guard(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }
}
