using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>What a finished setting produced.</summary>
public sealed record TaskSettingResult(SlotSetting Setting, TaskMetrics Metrics, string Table, string ResultsFile,
    string DetailsFile, string LogFile);

/// <summary>
/// Writes a finished setting's outputs from its scored documents: the results JSON (lighteval's layout: results
/// keyed by task and "all", versions, and the run's settings), the details JSONL (one line per document, in
/// document order) and the log ending with lighteval's summary table. A merge of shards calls the same code, so a
/// sharded run produces byte-identical files.
/// </summary>
internal static class TaskReport
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static TaskSettingResult Write(IEvalTask task, EvalRunHeader header, TaskOutputPaths paths,
        IReadOnlyCollection<TaskSampleRecord> records)
    {
        var ordered = records.OrderBy(r => r.Sample).ToList();
        var metrics = TaskMetrics.From(ordered.Select(r => r.Score).ToList());
        var table = SummaryTable.Render(task.ResultsKey, task.Version, task.MetricName, metrics);
        var setting = new SlotSetting(header.Times, header.Lr);

        System.IO.Directory.CreateDirectory(paths.Directory);
        WriteAtomically(paths.Results, Results(task, header, metrics, ordered).ToJsonString(EvalJson.Indented) + "\n");
        WriteAtomically(paths.Details, string.Concat(ordered.Select(r => Detail(task, r).ToJsonString(EvalJson.Line) + "\n")));
        foreach (var old in paths.OldLogs().ToList()) File.Delete(old);
        var log = paths.Log(metrics.Value);
        WriteAtomically(log, LogText(task, header, table));
        return new TaskSettingResult(setting, metrics, table, paths.Results, paths.Details, log);
    }

    static JsonObject Results(IEvalTask task, EvalRunHeader h, TaskMetrics m, IReadOnlyList<TaskSampleRecord> records)
    {
        JsonObject Scores()
        {
            var o = new JsonObject { [task.MetricName] = m.Value };
            if (m.Stderr is { } s) o[task.MetricName + "_stderr"] = s;
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
                ["seed"] = h.Seed,
                ["use_chat_template"] = true,
                ["slot"] = new JsonObject { ["times"] = h.Times, ["lr"] = h.Lr },
                ["generation_parameters"] = new JsonObject
                {
                    ["do_sample"] = h.DoSample, ["temperature"] = h.Temperature, ["top_p"] = h.TopP,
                    ["max_new_tokens"] = h.MaxNewTokens, ["max_model_length"] = h.MaxModelLength,
                },
            },
            ["results"] = new JsonObject { [task.ResultsKey] = Scores(), ["all"] = Scores() },
            ["versions"] = new JsonObject { [task.ResultsKey] = task.Version, ["all"] = 0 },
            ["summary_tasks"] = new JsonObject
            {
                [task.ResultsKey] = new JsonObject
                {
                    ["samples"] = m.Samples,
                    ["prompt_tokens"] = records.Sum(r => (long)r.PromptTokens),
                    ["generated_tokens"] = records.Sum(r => (long)r.GeneratedTokens),
                },
            },
        };
    }

    static JsonObject Detail(IEvalTask task, TaskSampleRecord r) => new()
    {
        ["id"] = r.Id,
        ["index"] = r.DatasetIndex,
        ["full_prompt"] = r.FullPrompt,
        ["prediction"] = r.Prediction,
        ["gold"] = r.Gold,
        ["extracted_gold"] = new JsonArray(r.ExtractedGold.Select(s => (JsonNode?)s).ToArray()),
        ["extracted_prediction"] = new JsonArray(r.ExtractedPrediction.Select(s => (JsonNode?)s).ToArray()),
        [task.MetricName] = r.Score,
    };

    /// <summary>The run's settings, then the table as SLOT's logs end.</summary>
    static string LogText(IEvalTask task, EvalRunHeader h, string table)
    {
        var inv = CultureInfo.InvariantCulture;
        return $"Model Path: {h.ModelPath}\n" +
               $"Task: {task.ResultsKey}\n" +
               $"Data: {h.Data}\n" +
               $"Samples: {h.SampleCount.ToString(inv)}\n" +
               $"DEBUG - CHOT parameters: steps={h.Times}, lr={h.Lr}\n" +
               $"Generation: do_sample={PythonFormat.Bool(h.DoSample)}, temperature={PythonFormat.FloatRepr(h.Temperature)}, " +
               $"top_p={PythonFormat.FloatRepr(h.TopP)}, max_new_tokens={h.MaxNewTokens.ToString(inv)}, " +
               $"max_model_length={(h.MaxModelLength is { } l ? l.ToString(inv) : "None")}, seed={h.Seed.ToString(inv)}\n" +
               "\n" + table + "\n";
    }

    static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text, Utf8);
        File.Move(tmp, path, overwrite: true);
    }
}
