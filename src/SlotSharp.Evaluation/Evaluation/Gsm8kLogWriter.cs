using System.Globalization;
using System.Text;

namespace SlotSharp.Evaluation;

/// <summary>
/// The text log of SLOT's <c>eval_only_slot.py</c>, byte for byte: the header its main() writes, the
/// "Number of evaluation samples" line, one block per sample (1-based) and the results block, with Python's
/// spelling of bools ("True") and floats ("0.9", "0.8000").
/// </summary>
internal static class Gsm8kLogWriter
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Lines written before the first sample (ends with a blank line).</summary>
    public static string Header(EvalRunHeader h)
    {
        var sb = new StringBuilder();
        sb.Append("Model Path: ").Append(h.ModelPath).Append('\n');
        sb.Append("Times (from env): ").Append(h.Times).Append('\n');
        sb.Append("LR (from env): ").Append(h.Lr).Append('\n');
        sb.Append("Eval Samples: ").Append(h.EvalSamples is { } n ? n.ToString(CultureInfo.InvariantCulture) : "All").Append('\n');
        sb.Append("Dataset Split: ").Append(h.Split).Append('\n');
        sb.Append("Do Sample: ").Append(PythonFormat.Bool(h.DoSample)).Append('\n');
        sb.Append("Temperature: ").Append(PythonFormat.FloatRepr(h.Temperature)).Append('\n');
        sb.Append("Seed: ").Append(h.Seed.ToString(CultureInfo.InvariantCulture)).Append("\n\n");
        sb.Append("Number of evaluation samples: ").Append(h.SampleCount.ToString(CultureInfo.InvariantCulture)).Append("\n\n");
        return sb.ToString();
    }

    public static string Sample(EvalSampleRecord r) =>
        $"Sample {r.Sample.ToString(CultureInfo.InvariantCulture)}:\n" +
        $"Question: {r.Question}\n" +
        $"Model Response: {r.Response}\n" +
        $"Correct Answer: {r.Answer}\n" +
        $"Format Correct: {PythonFormat.Bool(r.Format)}, Answer Correct: {PythonFormat.Bool(r.Correct)}\n\n";

    /// <summary>The closing block; accuracies are correct/total as a double, printed with ".4f".</summary>
    public static string Results(int total, int correct, int formatCorrect)
    {
        double acc = total > 0 ? (double)correct / total : 0, fmt = total > 0 ? (double)formatCorrect / total : 0;
        return $"Evaluation Results (Samples: {total.ToString(CultureInfo.InvariantCulture)}):\n" +
               $"Answer Accuracy: {PythonFormat.Fixed(acc, 4)}\n" +
               $"Format Accuracy: {PythonFormat.Fixed(fmt, 4)}\n";
    }

    /// <summary>The whole log from a header and the finished samples (in sample order); the results block is added
    /// only when every sample is present.</summary>
    public static string Full(EvalRunHeader header, IEnumerable<EvalSampleRecord> records)
    {
        var sb = new StringBuilder(Header(header));
        int n = 0, correct = 0, format = 0;
        foreach (var r in records.OrderBy(r => r.Sample))
        {
            sb.Append(Sample(r));
            n++;
            if (r.Correct) correct++;
            if (r.Format) format++;
        }
        if (n == header.SampleCount) sb.Append(Results(n, correct, format));
        return sb.ToString();
    }

    public static void Write(string path, string text) => File.WriteAllText(path, text, Utf8);

    public static void Append(string path, string text) => File.AppendAllText(path, text, Utf8);
}
