using SlotSharp.Fuzz;
using SlotSharp.Fuzz.Formats;
using SlotSharp.Fuzz.Harness;
using SlotSharp.Fuzz.Seeds;

FuzzOptions options;
try { options = FuzzOptions.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {e.Message}\n{FuzzOptions.Usage}");
    return 2;
}

var sharedRoot = options.Shared ?? SharedSeeds.Locate();
if (sharedRoot == null || !Directory.Exists(sharedRoot))
{
    Console.Error.WriteLine("error: the seed files live in ../shared next to the repository; pass --shared DIR or set SLOTSHARP_SHARED");
    return 2;
}

var scratch = Path.Combine(Path.GetTempPath(), $"slotsharp-fuzz-{Environment.ProcessId}");
try
{
    var formats = FormatRegistry.All(new SharedSeeds(sharedRoot), scratch);
    var wanted = options.Repro is { } r ? [r.Format] : options.File is { } f ? [f.Format] : options.Formats;
    var selected = wanted.Contains("all") ? formats : formats.Where(f => wanted.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).ToList();
    var unknown = wanted.Where(w => w != "all" && !formats.Any(f => string.Equals(f.Name, w, StringComparison.OrdinalIgnoreCase))).ToList();
    if (unknown.Count > 0)
    {
        Console.Error.WriteLine($"error: unknown format(s) {string.Join(", ", unknown)}; known: all, {string.Join(", ", formats.Select(f => f.Name))}");
        return 2;
    }

    var limits = new FuzzLimits(TimeSpan.FromMilliseconds(options.TimeoutMs), options.MaxAllocMb * 1024L * 1024);
    using var executor = new GuardedExecutor(limits, scratch);
    Directory.CreateDirectory(options.Out);
    var settings = new CampaignSettings
    {
        Count = options.Count, Seed = options.Seed, Limits = limits, MaxHangs = options.MaxHangs,
        ShrinkSeconds = options.ShrinkSeconds, InFlightFile = Path.Combine(options.Out, "in-flight.txt"),
    };
    var campaign = new FuzzCampaign(settings, executor);

    if (options.Repro is not null || options.File is not null)
    {
        var format = selected[0];
        byte[] input;
        if (options.Repro is { } repro)
        {
            input = FuzzCampaign.Regenerate(format, repro.Seed);
            var path = Path.Combine(options.Out, "repro" + format.Extension);
            File.WriteAllBytes(path, input);
            Console.WriteLine($"{format.Name} seed {repro.Seed}: {input.Length} bytes saved to {path}");
        }
        else input = File.ReadAllBytes(options.File!.Value.Path);
        campaign.WarmUp(format);
        var outcome = campaign.Execute(format, input);
        Console.WriteLine($"{outcome.Kind} in {outcome.Elapsed.TotalMilliseconds:F0} ms, {outcome.AllocatedBytes / 1024} KB allocated");
        if (outcome.Error != null) Console.WriteLine(outcome.Error);
        return 0;
    }

    Console.WriteLine($"fuzzing {selected.Count} format(s), {options.Count} inputs each, seed {options.Seed}, " +
                      $"deadline {options.TimeoutMs} ms, allocation limit {options.MaxAllocMb} MB, on {Environment.ProcessorCount} core(s)");
    var results = new List<FormatResult>();
    foreach (var format in selected)
    {
        results.Add(campaign.Run(format));
        Console.WriteLine($"  {format.Name}: done in {results[^1].Elapsed.TotalSeconds:F1} s");
    }
    File.Delete(settings.InFlightFile);
    FuzzReport.Save(results, options.Out);
    if (options.Summary != null) FormatSummary.Write(results, options.Summary);
    Console.WriteLine();
    Console.WriteLine(FuzzReport.Table(results));
    Console.WriteLine(FuzzReport.Findings(results, options.Out));
    bool failed = results.Any(r => r.Counts[OutcomeKind.Crash] + r.Counts[OutcomeKind.Hang] + r.Counts[OutcomeKind.OverMemory] > 0);
    return failed ? 1 : 0;
}
finally
{
    try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } // a hung worker may still hold a file
}
