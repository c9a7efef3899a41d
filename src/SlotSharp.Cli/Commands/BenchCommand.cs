using System.CommandLine;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench ...`: throughput measurements (never unit tests); results go to docs/benchmarks.md.
/// One subcommand per file; add new ones in Create.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: decode, slot, tokenize, gguf, serve, load");
        bench.Subcommands.Add(BenchDecodeCommand.Create());
        bench.Subcommands.Add(BenchSlotCommand.Create());
        bench.Subcommands.Add(BenchTokenizeCommand.Create());
        bench.Subcommands.Add(BenchGgufCommand.Create());
        bench.Subcommands.Add(BenchServeCommand.Create());
        bench.Subcommands.Add(BenchLoadCommand.Create());
        return bench;
    }
}
