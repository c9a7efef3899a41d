using System.Globalization;

namespace SlotSharp.Fuzz;

/// <summary>Command line of the fuzz tool (see docs/reliability.md).</summary>
public sealed record FuzzOptions
{
    public IReadOnlyList<string> Formats { get; init; } = ["all"];
    public int Count { get; init; } = 10_000;
    public ulong Seed { get; init; } = 1;
    public int TimeoutMs { get; init; } = 2000;
    public int MaxAllocMb { get; init; } = 256;
    public int MaxHangs { get; init; } = 5;
    public int ShrinkSeconds { get; init; } = 5;
    public string Out { get; init; } = "fuzz-findings";
    public string? Shared { get; init; }
    /// <summary>--summary FILE: also write the counts and findings as JSON.</summary>
    public string? Summary { get; init; }
    /// <summary>--repro FORMAT SEED: regenerate one input, save it, run it once and print the full outcome.</summary>
    public (string Format, string Seed)? Repro { get; init; }
    /// <summary>--file FORMAT PATH: run one saved input (e.g. from fuzz-findings) and print the full outcome.</summary>
    public (string Format, string Path)? File { get; init; }

    public const string Usage = """
        usage: SlotSharp.Fuzz [--format all|NAME[,NAME...]] [--count N] [--seed N] [--timeout-ms MS] [--max-alloc-mb MB]
                              [--max-hangs N] [--shrink-seconds S] [--out DIR] [--shared DIR] [--summary FILE]
               SlotSharp.Fuzz --repro FORMAT SEED-STRING [--out DIR]
               SlotSharp.Fuzz --file FORMAT PATH
        """;

    public static FuzzOptions Parse(string[] args)
    {
        var o = new FuzzOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--format" => o with { Formats = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--count" => o with { Count = Int(Next(), "--count") },
                "--seed" => o with { Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture) },
                "--timeout-ms" => o with { TimeoutMs = Int(Next(), "--timeout-ms") },
                "--max-alloc-mb" => o with { MaxAllocMb = Int(Next(), "--max-alloc-mb") },
                "--max-hangs" => o with { MaxHangs = Int(Next(), "--max-hangs") },
                "--shrink-seconds" => o with { ShrinkSeconds = Int(Next(), "--shrink-seconds") },
                "--out" => o with { Out = Next() },
                "--shared" => o with { Shared = Next() },
                "--summary" => o with { Summary = Next() },
                "--repro" => o with { Repro = (Next(), Next()) },
                "--file" => o with { File = (Next(), Next()) },
                var other => throw new ArgumentException($"unknown argument '{other}'"),
            };
        }
        return o;
    }

    static int Int(string s, string flag) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
            : throw new ArgumentException($"{flag} must be a non-negative integer, got '{s}'");
}
