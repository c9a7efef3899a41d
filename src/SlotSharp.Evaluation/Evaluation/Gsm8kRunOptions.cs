using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation;

/// <summary>Everything a GSM8K evaluation run needs besides the engine, with GSM8K's defaults and field names
/// (<see cref="ToTaskRun"/> turns it into the shared runner's options).</summary>
internal sealed record Gsm8kRunOptions
{
    /// <summary>Model path as given (printed in the log's "Model Path:" line and compared on resume).</summary>
    public required string ModelPath { get; init; }
    /// <summary>What --data said (a file, folder or Hub id); informational.</summary>
    public required string DataLabel { get; init; }
    /// <summary>All rows of the split, in file order.</summary>
    public required IReadOnlyList<Gsm8kItem> Rows { get; init; }
    public string Split { get; init; } = "test";
    /// <summary>--eval-samples; null evaluates the whole split.</summary>
    public int? EvalSamples { get; init; }
    public long Seed { get; init; } = 42;
    /// <summary>One setting, or every combination of a sweep.</summary>
    public required IReadOnlyList<SlotSetting> Settings { get; init; }
    public EvalGeneration Generation { get; init; } = new(512, false, 0.9);
    /// <summary>Prompts per engine call.</summary>
    public int BatchSize { get; init; } = 1;
    /// <summary>Logs, results and summaries go to OutputDirectory/logs (the original writes ./logs).</summary>
    public string OutputDirectory { get; init; } = ".";

    /// <summary>The same run for the shared runner: <see cref="Gsm8kTask"/> over these rows, with its output writer.</summary>
    public (TaskRunOptions Run, Gsm8kOutput Output) ToTaskRun()
    {
        var task = new Gsm8kTask(Split);
        return (new TaskRunOptions
        {
            Task = task, Documents = Gsm8kTask.Documents(Rows), ModelPath = ModelPath, DataLabel = DataLabel,
            Settings = Settings, Generation = Generation, Limit = EvalSamples, Seed = Seed, BatchSize = BatchSize,
            OutputDirectory = OutputDirectory,
        }, task.Output);
    }
}

/// <summary>File names of one setting, following the original's <c>logs/log_times_{times}_lr_{lr}.txt</c>.</summary>
internal sealed record EvalOutputPaths(string LogFile, string ResultsFile, string SummaryFile)
{
    public static string LogsDirectory(string outputDirectory) => Path.Combine(outputDirectory, "logs");

    /// <summary>Locked by a running evaluation (<see cref="EvalOutputLock"/>); left in place afterwards.</summary>
    public static string LockFile(string outputDirectory) => Path.Combine(LogsDirectory(outputDirectory), ".eval.lock");

    public static EvalOutputPaths For(string outputDirectory, SlotSetting s)
    {
        var dir = LogsDirectory(outputDirectory);
        var stem = $"times_{s.TimesText}_lr_{s.LrText}";
        if (stem.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new SlotSharpException($"times/lr '{s.TimesText}'/'{s.LrText}' cannot be used in a file name");
        return new(Path.Combine(dir, $"log_{stem}.txt"), Path.Combine(dir, $"results_{stem}.jsonl"),
            Path.Combine(dir, $"summary_{stem}.json"));
    }

    /// <summary>The sweep plot's name lists the iterations and learning rates it covers.</summary>
    public static string SweepPlot(string outputDirectory, IReadOnlyList<SlotSetting> settings) =>
        Path.Combine(LogsDirectory(outputDirectory),
            $"sweep_times_{string.Join(",", settings.Select(s => s.TimesText).Distinct())}" +
            $"_lr_{string.Join(",", settings.Select(s => s.LrText).Distinct())}.png");
}

/// <summary>Progress of one setting after a sample finished.</summary>
public sealed record EvalProgress(SlotSetting Setting, int Done, int Total, int Correct, int FormatCorrect,
    long SessionGeneratedTokens, double SessionSeconds)
{
    public double Accuracy => Done > 0 ? (double)Correct / Done : 0;
    public double FormatAccuracy => Done > 0 ? (double)FormatCorrect / Done : 0;
    /// <summary>Generated tokens per wall second in this process (resumed samples excluded).</summary>
    public double TokensPerSecond => SessionSeconds > 0 ? SessionGeneratedTokens / SessionSeconds : 0;
}

/// <summary>What a run produced: one summary per setting (in settings order) and the sweep plot, if any.</summary>
internal sealed record Gsm8kRunResult(IReadOnlyList<EvalSummary> Summaries, string? SweepPlotFile, bool Completed);
