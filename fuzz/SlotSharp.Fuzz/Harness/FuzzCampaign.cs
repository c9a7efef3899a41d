using CsCheck;
using SlotSharp.Fuzz.Formats;

namespace SlotSharp.Fuzz.Harness;

/// <summary>Settings of one fuzz run.</summary>
public sealed record CampaignSettings
{
    public int Count { get; init; } = 10_000;
    public ulong Seed { get; init; } = 1;
    public FuzzLimits Limits { get; init; } = FuzzLimits.Default;
    /// <summary>A format stops after this many hangs: each leaves a worker thread spinning on the shared cores.</summary>
    public int MaxHangs { get; init; } = 5;
    /// <summary>Seconds CsCheck may search for a shorter input of each crash signature (0: no shrinking).</summary>
    public int ShrinkSeconds { get; init; }
    /// <summary>Where the seed of the input in flight is written before it runs, so a process-killing input
    /// (stack overflow) can be reproduced with --repro; null: not written.</summary>
    public string? InFlightFile { get; init; }
}

/// <summary>
/// Runs a format's generator for a fixed number of inputs with a fixed seed. Each input is generated from a
/// CsCheck PCG whose seed string is recorded first, so any input can be regenerated alone (--repro) and handed
/// to CsCheck's Check.Sample as the starting failure for shrinking.
/// </summary>
public sealed class FuzzCampaign(CampaignSettings settings, GuardedExecutor executor)
{
    static readonly TimeSpan WarmupTimeout = TimeSpan.FromSeconds(60);

    public FormatResult Run(FuzzFormat format)
    {
        var result = new FormatResult(format);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pcg = new PCG(StreamOf(format.Name), settings.Seed);
        int hangs = 0;
        WarmUp(format);
        for (int i = 0; i < settings.Count; i++)
        {
            var seed = pcg.ToString();
            var input = format.Inputs.Generate(pcg, null, out _);
            if (settings.InFlightFile != null) File.WriteAllText(settings.InFlightFile, $"{format.Name} {seed}\n");
            var outcome = Execute(format, input, result);
            result.Record(seed, input, outcome);
            if (outcome.Kind == OutcomeKind.Hang && ++hangs >= settings.MaxHangs)
            {
                result.StoppedEarly = $"stopped after {hangs} hangs at input {i + 1} of {settings.Count}";
                break;
            }
        }
        if (settings.ShrinkSeconds > 0) Shrink(result);
        result.Elapsed = clock.Elapsed;
        return result;
    }

    /// <summary>Runs the first seed untimed: the first call pays one-time costs (JIT, loading TorchSharp's native
    /// library: about 2 s) that are not the input's.</summary>
    public void WarmUp(FuzzFormat format) =>
        executor.Run(scratch => format.Run(format.Seeds[0], scratch), format.IsDocumentedError, timeout: WarmupTimeout);

    /// <summary>Regenerates the input of a recorded seed string.</summary>
    public static byte[] Regenerate(FuzzFormat format, string seed) => format.Inputs.Generate(PCG.Parse(seed), null, out _);

    public Outcome Execute(FuzzFormat format, byte[] input, FormatResult? result = null) =>
        // A hung input that finishes later tells whether it was slow or truly stuck.
        executor.Run(scratch => format.Run(input, scratch), format.IsDocumentedError, late => result?.NoteLateFinish(late));

    /// <summary>
    /// Lets CsCheck search, from the recorded failure, for shorter inputs failing the same way; keeps the shortest.
    /// Hangs are not shrunk (every probe would cost a deadline).
    /// </summary>
    void Shrink(FormatResult result)
    {
        foreach (var finding in result.Findings.Values.Where(f => f.Kind is not OutcomeKind.Hang))
        {
            FailingInput? shortest = null;
            try
            {
                Check.Sample(result.Format.Inputs, input =>
                {
                    var outcome = Execute(result.Format, input);
                    if (outcome.Signature != finding.Signature) return true;
                    if (shortest == null || input.Length < shortest.Input.Length) shortest = new FailingInput("(shrunk)", input, outcome);
                    return false;
                }, seed: finding.Examples[0].Seed, time: settings.ShrinkSeconds, threads: 1, print: input => $"{input.Length} bytes");
            }
            catch (CsCheckException) { } // expected: it reports the failure we started from
            finding.Shrunk = shortest;
        }
    }

    /// <summary>FNV-1a of the format name: a per-format PCG stream that, unlike string.GetHashCode, is stable across runs.</summary>
    static uint StreamOf(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name) hash = (hash ^ c) * 16777619;
        return hash;
    }
}
