using System.CommandLine;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot bench ...`: performance measurements (never unit tests); results go to docs/benchmarks.md.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: decode, slot, tokenize");
        bench.Subcommands.Add(BenchDecodeCommand.Create());
        return bench;
    }
}
