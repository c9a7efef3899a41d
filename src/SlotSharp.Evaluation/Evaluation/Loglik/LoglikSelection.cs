using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// What a selection run (heldout:M) reports beside its own metrics, all from the scores it journaled (no model call):
/// each candidate's metrics had it been used for every request (fitted without the same M tokens), how often each was
/// chosen, a plot of the candidates' accuracy against SLOT iterations with the selection as a horizontal line, and
/// the per-document choices for the log.
/// </summary>
internal static class LoglikSelection
{
    internal sealed record Candidate(SlotSetting Setting, IReadOnlyList<(string Metric, TaskMetrics Value)> Metrics, int Chosen);

    public static IReadOnlyList<Candidate> Candidates(LoglikTask task, EvalRunHeader header, IReadOnlyList<LoglikSampleRecord> ordered)
    {
        var times = header.Times.Split(',');
        var lrs = header.Lr.Split(',');
        var candidates = new List<Candidate>();
        for (int c = 0; c < times.Length; c++)
        {
            var setting = new SlotSetting(times[c], lrs[c]);
            var scores = ordered.Select(r => ChoiceScore.Of(
                r.CandidateLoglikelihoods?.Select(perRequest => perRequest[c]).ToList()
                    ?? throw new SlotSharpException($"sample {r.Sample} of a selection journal has no candidate scores"),
                r.Choices, r.Gold)).ToList();
            var metrics = task.Metrics.Select(m => (m, TaskMetrics.From(scores.Select(s => s.Metric(m)).ToList()))).ToList();
            string label = $"times={setting.TimesText} lr={setting.LrText}";
            candidates.Add(new Candidate(setting, metrics, ordered.Sum(r => r.Selected!.Count(s => s == label))));
        }
        return candidates;
    }

    public static JsonObject Json(EvalRunHeader header, IReadOnlyList<Candidate> candidates) => new()
    {
        ["mode"] = header.SlotSelect,
        ["candidates"] = new JsonArray([.. candidates.Select(c =>
        {
            var o = new JsonObject { ["times"] = c.Setting.TimesText, ["lr"] = c.Setting.LrText, ["chosen"] = c.Chosen };
            foreach (var (name, m) in c.Metrics) o[name] = m.Value;
            return (JsonNode)o;
        })]),
    };

    /// <summary>Each document's chosen setting per request, then each candidate's line, for the log.</summary>
    public static string LogLines(IReadOnlyList<LoglikSampleRecord> ordered, IReadOnlyList<Candidate> candidates)
    {
        var sb = new StringBuilder();
        foreach (var r in ordered)
            sb.Append(CultureInfo.InvariantCulture, $"Sample {r.Sample} ({r.Id}): {string.Join("; ", r.Selected!)}\n");
        sb.Append('\n');
        foreach (var c in candidates)
        {
            var metrics = string.Join(", ", c.Metrics.Select(m => $"{m.Metric} {SummaryTable.Number(m.Value.Value)}"));
            sb.Append(CultureInfo.InvariantCulture, $"Candidate times={c.Setting.TimesText} lr={c.Setting.LrText}: chosen {c.Chosen} times, {metrics}\n");
        }
        return sb.ToString();
    }

    /// <summary>Per metric: the candidates versus SLOT iterations (a line per lr) and the selection as a horizontal line.</summary>
    public static IReadOnlyList<string> SavePlots(LoglikTask task, TaskOutputPaths paths, IReadOnlyList<Candidate> candidates,
        IReadOnlyList<(string Metric, TaskMetrics Value)> selected, string mode, string model)
    {
        var files = new List<string>();
        for (int m = 0; m < task.Metrics.Count; m++)
        {
            var path = Path.Combine(paths.Directory, $"sweep_{paths.Stem}{(m == 0 ? "" : "_" + task.Metrics[m])}.png");
            SweepPlot.Save(path, candidates.Select(c => new SweepPoint(c.Setting.TimesText, c.Setting.LrText, c.Metrics[m].Value.Value,
                c.Metrics[m].Value.Stderr ?? 0)).ToList(), $"{task.ResultsKey} ({selected[m].Value.Samples} documents): {model}",
                task.Metrics[m], reference: ($"selected by {mode}", selected[m].Value.Value));
            files.Add(path);
        }
        return files;
    }
}
