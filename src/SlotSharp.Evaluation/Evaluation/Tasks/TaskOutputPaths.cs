namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// Files of one task and setting in the output folder: the resumable journal (one per shard), and once every
/// document is scored the results JSON, the per-document details JSONL and the log named as SLOT's vllm/logs name
/// theirs, <c>&lt;task&gt;-&lt;model&gt;-&lt;steps&gt;-&lt;lr&gt;-&lt;accuracy&gt;.log</c>.
/// </summary>
internal sealed record TaskOutputPaths(string Directory, string Stem, string LogPrefix)
{
    public static TaskOutputPaths For(string outputDirectory, string task, string modelPath, SlotSetting s) =>
        For(outputDirectory, task, modelPath, s.TimesText, s.LrText);

    /// <summary>
    /// <paramref name="select"/>: the selection mode's name ("heldout:4"), whose files list every candidate's times
    /// and lr (comma-separated in <paramref name="times"/> and <paramref name="lr"/>) after "select_heldout_4".
    /// </summary>
    public static TaskOutputPaths For(string outputDirectory, string task, string modelPath, string times, string lr, string? select = null)
    {
        var mode = select == null ? "" : "_select_" + select.Replace(':', '_');
        var stem = $"{task.Replace(':', '_')}{mode}_times_{times}_lr_{lr}";
        if (stem.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new SlotSharpException($"times/lr '{times}'/'{lr}' cannot be used in a file name");
        var logMode = select == null ? "" : "select_" + select.Replace(':', '_') + "-";
        return new(outputDirectory, stem, $"{task}-{ModelName(modelPath)}-{logMode}{times}-{lr}-");
    }

    /// <summary>The model's folder name, as the original logs name it (DeepSeek-R1-Distill-Qwen-7B).</summary>
    public static string ModelName(string modelPath) => Path.GetFileName(modelPath.TrimEnd('/', '\\'));

    public string Journal(ShardSpec shard) => Path.Combine(Directory,
        shard.IsWhole ? $"journal_{Stem}.jsonl" : $"journal_{Stem}_shard_{shard.Index}_of_{shard.Count}.jsonl");

    public string Results => Path.Combine(Directory, $"results_{Stem}.json");

    /// <summary>The sweep plot's name lists the task, iterations and learning rates it covers.</summary>
    public static string SweepPlot(string outputDirectory, string task, IReadOnlyList<SlotSetting> settings) =>
        Path.Combine(outputDirectory, $"sweep_{task.Replace(':', '_')}" +
            $"_times_{string.Join(",", settings.Select(s => s.TimesText).Distinct())}" +
            $"_lr_{string.Join(",", settings.Select(s => s.LrText).Distinct())}.png");
    public string Details => Path.Combine(Directory, $"details_{Stem}.jsonl");

    /// <summary>The log name carries the accuracy as Python prints round(value, 4) (0.5667, 0.3, 0.958).</summary>
    public string Log(double accuracy) =>
        Path.Combine(Directory, LogPrefix + PythonFormat.FloatRepr(Math.Round(accuracy, 4, MidpointRounding.ToEven)) + ".log");

    /// <summary>Logs of earlier runs of this setting (their accuracy may differ): replaced by the new one.</summary>
    public IEnumerable<string> OldLogs() => System.IO.Directory.Exists(Directory)
        ? System.IO.Directory.EnumerateFiles(Directory, LogPrefix + "*.log").Where(f =>
            double.TryParse(Path.GetFileName(f)[LogPrefix.Length..^4], System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out _))
        : [];
}
