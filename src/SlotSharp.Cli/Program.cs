using System.CommandLine;
using SlotSharp.Cli.Commands;

namespace SlotSharp.Cli;

internal static class Program
{
    /// <summary>Global: on an internal error, print the stack trace instead of one line.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print the stack trace of an internal error, and llama.cpp's own warnings", Recursive = true };

    public static int Main(string[] args) => Run(args);

    /// <summary>Entry point also used by tests (in-process CLI runs).</summary>
    public static int Run(string[] args) => Run(CreateRoot(), args, Console.Error);

    /// <param name="evalModels">Builds the model `slot eval` runs (default: load it); tests inject fakes.</param>
    public static RootCommand CreateRoot(Func<SlotSharp.Evaluation.EvalModelRequest, SlotSharp.Evaluation.IEvalModel>? evalModels = null)
    {
        var root = new RootCommand("slot: SLOT test-time adaptation for Hugging Face causal LMs");
        root.Options.Add(Verbose);
        // One file per sub-command under Commands/.
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ChatCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create(evalModels));
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(GradeCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>; failures are reported on
    /// <paramref name="error"/> as one line (exit 2 for user errors, 70 for internal ones, see <see cref="CliErrors"/>).
    /// </summary>
    public static int Run(RootCommand root, string[] args, TextWriter error)
    {
        var parse = root.Parse(args);
        if (CliParseErrors.Failed(parse))
        {
            error.WriteLine($"error: {CliParseErrors.Describe(parse)}");
            return CliErrors.UserError;
        }
        SlotSharp.LlamaCpp.LlamaCppRuntime.Verbose = parse.GetValue(Verbose); // llama.cpp's own log lines only under --verbose
        // The default handler would print a stack trace and exit 1 before CliErrors sees the exception.
        return CliErrors.Run(() => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }),
            parse.GetValue(Verbose), error);
    }
}
