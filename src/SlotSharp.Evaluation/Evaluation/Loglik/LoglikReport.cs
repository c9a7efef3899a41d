using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>What a finished setting of a log-likelihood task produced: each metric (acc, acc_norm) in task order.</summary>
/// <param name="Times">The setting's times (selection mode: every candidate's, comma-separated).</param>
/// <param name="Select">The selection mode ("heldout:4"), or null for a fixed setting.</param>
internal sealed record LoglikSettingResult(string Times, string Lr, string? Select, IReadOnlyList<(string Metric, TaskMetrics Value)> Metrics,
    string Table, string ResultsFile, string DetailsFile, string LogFile)
{
    /// <summary>Selection mode: the candidates-versus-selection plots (one per metric).</summary>
    public IReadOnlyList<string> Plots { get; init; } = [];

    public TaskMetrics Acc => Metrics[0].Value;
}

/// <summary>
/// A finished setting's files, in the lighteval tasks' layout (<see cref="TaskReport"/>): the results JSON (every
/// metric with its stderr under the task and "all"), the details JSONL (one line per document, in order) and the log
/// ending with lighteval's table (one row per metric). A merge of shards calls the same code.
/// </summary>
internal static class LoglikReport
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static LoglikSettingResult Write(LoglikTask task, EvalRunHeader header, TaskOutputPaths paths,
        IReadOnlyCollection<LoglikSampleRecord> records)
    {
        var ordered = records.OrderBy(r => r.Sample).ToList();
        var metrics = task.Metrics.Select(m => (m, TaskMetrics.From(ordered.Select(r => r.Metric(m)).ToList()))).ToList();
        var table = SummaryTable.Render(task.ResultsKey, LoglikTask.Version, metrics);
        Directory.CreateDirectory(paths.Directory);
        var candidates = header.SlotSelect != null ? LoglikSelection.Candidates(task, header, ordered) : null;
        var results = Results(task, header, metrics, ordered);
        if (candidates != null) results["selection"] = LoglikSelection.Json(header, candidates);
        Write(paths.Results, results.ToJsonString(EvalJson.Indented) + "\n");
        Write(paths.Details, string.Concat(ordered.Select(r => Detail(task, r).ToJsonString(EvalJson.Line) + "\n")));
        foreach (var old in paths.OldLogs().ToList()) File.Delete(old);
        var log = paths.Log(metrics[0].Item2.Value);
        Write(log, LogText(task, header, table, candidates == null ? "" : LoglikSelection.LogLines(ordered, candidates)));
        var plots = candidates == null ? [] : LoglikSelection.SavePlots(task, paths, candidates, metrics, header.SlotSelect!,
            TaskOutputPaths.ModelName(header.ModelPath));
        return new LoglikSettingResult(header.Times, header.Lr, header.SlotSelect, metrics, table, paths.Results, paths.Details, log)
        { Plots = plots };
    }

    static JsonObject Results(LoglikTask task, EvalRunHeader h, IReadOnlyList<(string Metric, TaskMetrics Value)> metrics,
        IReadOnlyList<LoglikSampleRecord> records)
    {
        JsonObject Scores()
        {
            var o = new JsonObject();
            foreach (var (name, m) in metrics)
            {
                o[name] = m.Value;
                if (m.Stderr is { } s) o[name + "_stderr"] = s;
            }
            return o;
        }
        return new JsonObject
        {
            ["config_general"] = new JsonObject
            {
                ["model_name"] = TaskOutputPaths.ModelName(h.ModelPath),
                ["model_path"] = h.ModelPath,
                ["data"] = h.Data,
                ["data_sha256"] = h.DataSha256,
                ["max_samples"] = h.Limit,
                ["use_chat_template"] = false,
                ["num_fewshot"] = 0,
                ["slot"] = new JsonObject { ["times"] = h.Times, ["lr"] = h.Lr, ["fit"] = "context", ["select"] = h.SlotSelect },
            },
            ["results"] = new JsonObject { [task.ResultsKey] = Scores(), ["all"] = Scores() },
            ["versions"] = new JsonObject { [task.ResultsKey] = LoglikTask.Version, ["all"] = 0 },
            ["summary_tasks"] = new JsonObject
            {
                [task.ResultsKey] = new JsonObject
                {
                    ["samples"] = records.Count,
                    ["requests"] = records.Sum(r => r.Loglikelihoods.Count),
                    ["prompt_tokens"] = records.Sum(r => r.ContextTokens.Sum(x => (long)x) + r.ContinuationTokens.Sum(x => (long)x)),
                },
            },
        };
    }

    static JsonObject Detail(LoglikTask task, LoglikSampleRecord r)
    {
        var o = new JsonObject
        {
            ["id"] = r.Id,
            ["index"] = r.DatasetIndex,
            ["full_prompt"] = r.Contexts.Distinct().Count() == 1 ? r.Contexts[0] : Strings(r.Contexts),
            ["continuations"] = Strings(r.Continuations),
            ["choices"] = Strings(r.Choices),
            ["gold_index"] = r.Gold,
            ["loglikelihoods"] = new JsonArray([.. r.Loglikelihoods.Select(x => (JsonNode?)x)]),
            ["pred"] = r.Pred,
        };
        foreach (var m in task.Metrics) o[m] = r.Metric(m);
        if (r.Selected != null) o["selected"] = Strings(r.Selected);
        return o;
    }

    static JsonArray Strings(IReadOnlyList<string> s) => new([.. s.Select(x => (JsonNode?)x)]);

    /// <summary>The run's settings, in selection mode each document's chosen setting and each candidate's scores, then the table.</summary>
    static string LogText(LoglikTask task, EvalRunHeader h, string table, string selection)
    {
        var inv = CultureInfo.InvariantCulture;
        return $"Model Path: {h.ModelPath}\n" +
               $"Task: {task.ResultsKey}\n" +
               $"Data: {h.Data}\n" +
               $"Samples: {h.SampleCount.ToString(inv)}\n" +
               $"DEBUG - CHOT parameters: steps={h.Times}, lr={h.Lr}, fit=context{(h.SlotSelect is { } m ? ", select=" + m : "")}\n" +
               "\n" + selection + (selection.Length > 0 ? "\n" : "") + table + "\n";
    }

    static void Write(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text, Utf8);
        File.Move(tmp, path, overwrite: true);
    }
}
