using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SlotSharp.Evaluation;

/// <summary>One finished sample (one line of the results JSONL).</summary>
internal sealed record EvalSampleRecord : IJournalRecord
{
    public string Type { get; init; } = "sample";
    /// <summary>1-based position in evaluation order (the log's "Sample i").</summary>
    public required int Sample { get; init; }
    /// <summary>0-based row of the split.</summary>
    public required int DatasetIndex { get; init; }
    public required string Question { get; init; }
    public required string Response { get; init; }
    /// <summary>Gold answer text (after "####").</summary>
    public required string Answer { get; init; }
    /// <summary>Last number found in the response, or null.</summary>
    public string? Extracted { get; init; }
    public required bool Correct { get; init; }
    public required bool Format { get; init; }
    public required IReadOnlyList<double> SlotLosses { get; init; }
    public required int PromptTokens { get; init; }
    public required int GeneratedTokens { get; init; }
    public required double PrefillSeconds { get; init; }
    public required double SlotSeconds { get; init; }
    public required double DecodeSeconds { get; init; }
    /// <summary>
    /// This completion's share of the wall time of the engine call that produced it, in proportion to the engine's
    /// own timings (see EvalBatchLoop.ShareWallTime); a sweep's shared prefill counts equally per setting.
    /// </summary>
    public required double ElapsedSeconds { get; init; }
}

/// <summary>Totals of one setting, written as summary JSON and used for the sweep plot.</summary>
public sealed record EvalSummary
{
    public required string Times { get; init; }
    public required string Lr { get; init; }
    public required int Samples { get; init; }
    public required int Correct { get; init; }
    public required int FormatCorrect { get; init; }
    public required double Accuracy { get; init; }
    /// <summary>sqrt(p(1-p)/n), the binomial standard error.</summary>
    public required double AccuracyStderr { get; init; }
    public required double FormatAccuracy { get; init; }
    public required double FormatAccuracyStderr { get; init; }
    public required long PromptTokens { get; init; }
    public required long GeneratedTokens { get; init; }
    /// <summary>
    /// Sum of the samples' elapsed seconds over all sessions of a resumed run: this setting's own share of the engine
    /// wall time (its SLOT and decoding, an equal part of each prompt's prefill shared by a sweep's settings).
    /// </summary>
    public required double WallSeconds { get; init; }
    public required double TokensPerSecond { get; init; }
    public required double PrefillSeconds { get; init; }
    public required double SlotSeconds { get; init; }
    public required double DecodeSeconds { get; init; }
    public required string LogFile { get; init; }
    public required string ResultsFile { get; init; }

    internal static EvalSummary From(SlotSetting setting, IReadOnlyCollection<EvalSampleRecord> records, string logFile, string resultsFile)
    {
        int n = records.Count;
        int correct = records.Count(r => r.Correct), format = records.Count(r => r.Format);
        double acc = n > 0 ? (double)correct / n : 0, fmt = n > 0 ? (double)format / n : 0;
        double wall = records.Sum(r => r.ElapsedSeconds);
        long generated = records.Sum(r => (long)r.GeneratedTokens);
        return new EvalSummary
        {
            Times = setting.TimesText, Lr = setting.LrText, Samples = n, Correct = correct, FormatCorrect = format,
            Accuracy = acc, AccuracyStderr = StdErr(acc, n), FormatAccuracy = fmt, FormatAccuracyStderr = StdErr(fmt, n),
            PromptTokens = records.Sum(r => (long)r.PromptTokens), GeneratedTokens = generated,
            WallSeconds = wall, TokensPerSecond = wall > 0 ? generated / wall : 0,
            PrefillSeconds = records.Sum(r => r.PrefillSeconds), SlotSeconds = records.Sum(r => r.SlotSeconds),
            DecodeSeconds = records.Sum(r => r.DecodeSeconds), LogFile = logFile, ResultsFile = resultsFile,
        };
    }

    internal static double StdErr(double p, int n) => n > 0 ? Math.Sqrt(p * (1 - p) / n) : 0;
}

static class EvalJson
{
    public static readonly JsonSerializerOptions Line = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
        // Keep non-ASCII text readable in the JSONL (questions contain curly quotes and currency signs).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { EvalRunHeader.WriteOnlyItsLayoutsFields } },
    };

    public static readonly JsonSerializerOptions Indented = new(Line) { WriteIndented = true };
}
