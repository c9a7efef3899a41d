using System.CommandLine;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench ...`: throughput measurements (not tests). One subcommand per file; add new ones in Create.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Throughput benchmarks");
        bench.Subcommands.Add(BenchTokenizeCommand.Create());
        return bench;
    }
}
