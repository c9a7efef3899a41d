using System.Text.RegularExpressions;

namespace SlotSharp.Evaluation;

/// <summary>
/// GSM8K scoring exactly as SLOT's <c>eval_only_slot.py</c>: the gold answer is the text after the last "####";
/// a completion is correct when the LAST match of <c>\d+\.\d+|\d+/\d+|\d+</c> equals the gold by value;
/// the format is correct when the whole completion is <c>&lt;think&gt;...&lt;/think&gt;&lt;answer&gt;...&lt;/answer&gt;</c>.
/// </summary>
internal static partial class Gsm8kScoring
{
    // Python's \d and .NET's \d both mean Unicode category Nd.
    [GeneratedRegex(@"\d+\.\d+|\d+/\d+|\d+")]
    private static partial Regex PredictionNumber();

    // re.match(r"^<think>.*?</think><answer>.*?</answer>$", s, re.DOTALL). Like Python, .NET's "$" (without
    // Multiline) also matches just before one final "\n", so a trailing newline still counts as well formatted.
    [GeneratedRegex(@"^<think>.*?</think><answer>.*?</answer>$", RegexOptions.Singleline)]
    private static partial Regex FormatPattern();

    // math-verify's ExprExtractionConfig number grammar, tried in its alternation order, each spanning the whole
    // gold string: (1) thousands groups with "," or " " and an optional decimal part, (2) a decimal with "." or ","
    // (a comma here is a decimal point, as math-verify reads "12,5"), (3) ".5", (4) a plain integer.
    [GeneratedRegex(@"^(?<int>-?[1-9]\d{0,2}(?:[ ,]\d{3})+)(?<dec>\.\d+)?$")]
    private static partial Regex GoldThousands();
    [GeneratedRegex(@"^(?<int>-?\d+)(?<dec>[.,]\d+)$")]
    private static partial Regex GoldDecimal();
    [GeneratedRegex(@"^(?<dec>\.\d+)$")]
    private static partial Regex GoldFractionOnly();
    [GeneratedRegex(@"^(?<int>-?\d+)$")]
    private static partial Regex GoldInteger();
    // math-verify parses "a/b" as an expression (sympy Rational) rather than as a number.
    [GeneratedRegex(@"^-?\d+/\d+$")]
    private static partial Regex GoldFraction();

    /// <summary><c>answer.split('####')[-1].strip()</c>.</summary>
    public static string ExtractGroundTruth(string answerField)
    {
        ArgumentNullException.ThrowIfNull(answerField);
        var at = answerField.LastIndexOf("####", StringComparison.Ordinal);
        return (at < 0 ? answerField : answerField[(at + 4)..]).Trim();
    }

    /// <summary>The last number the original regex finds in a completion ("1,875" gives "875"; signs are not
    /// part of the regex, so "-3" gives "3"), or null when there is none.</summary>
    public static string? LastNumber(string completion)
    {
        string? last = null;
        foreach (Match m in PredictionNumber().Matches(completion)) last = m.Value;
        return last;
    }

    /// <summary>Value of the prediction-side match (digits, "a.b" or "a/b"); null when it has no value (x/0).</summary>
    public static ExactRational? ParsePrediction(string lastNumber) => ExactRational.TryParsePlain(lastNumber);

    /// <summary>Value of a gold answer following math-verify's number grammar: "2,125" is 2125, "-3" keeps its sign,
    /// "1 234" is 1234, "12,5" is 12.5, "3/4" is 0.75. Null when the gold is not a single number.</summary>
    public static ExactRational? ParseGold(string groundTruth)
    {
        var s = groundTruth.Trim();
        Match m;
        if ((m = GoldThousands().Match(s)).Success || (m = GoldDecimal().Match(s)).Success
            || (m = GoldFractionOnly().Match(s)).Success || (m = GoldInteger().Match(s)).Success)
        {
            var integer = m.Groups["int"].Value.Replace(",", "").Replace(" ", "");
            var dec = m.Groups["dec"].Value.Replace(',', '.');
            if (integer.Length == 0 || integer == "-") integer += "0";
            return ExactRational.TryParsePlain(integer + dec);
        }
        return GoldFraction().IsMatch(s) ? ExactRational.TryParsePlain(s) : null;
    }

    /// <summary>True when the completion's last number equals the gold answer by exact value.</summary>
    public static bool IsAnswerCorrect(string completion, string groundTruth)
    {
        var last = LastNumber(completion);
        if (last is null) return false;
        var predicted = ParsePrediction(last);
        var gold = ParseGold(groundTruth);
        return predicted is not null && gold is not null && predicted.Value == gold.Value;
    }

    /// <summary>True when the whole completion is &lt;think&gt;..&lt;/think&gt;&lt;answer&gt;..&lt;/answer&gt; (newlines allowed inside).</summary>
    public static bool IsFormatCorrect(string completion) => FormatPattern().IsMatch(completion);
}
