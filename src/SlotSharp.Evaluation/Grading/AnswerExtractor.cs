using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SlotSharp.Grading;

/// <summary>
/// Math-Verify's parse(): pools the targets' regexes by priority; within a priority tries the matches that end
/// furthest right first (longest first among equal ends); the first match that parses wins. With fallback
/// "first_match" the text of the first match tried is appended, so unparsable but identical answers still match.
/// </summary>
internal static class AnswerExtractor
{
    public static IReadOnlyList<ParsedAnswer> Parse(string text, IReadOnlyList<ExtractionTarget> targets, GradingOptions options)
    {
        var results = new List<ParsedAnswer>();
        if (text.Length > options.MaxInputChars) return results;
        var clock = Stopwatch.StartNew();
        var fallbacks = new List<string>();
        bool matchFound = false;
        var groups = targets.SelectMany(ExtractionPatterns.For)
            .Select((p, order) => (Pattern: p, Order: order))
            .OrderBy(x => x.Pattern.Priority).ThenBy(x => x.Order)
            .GroupBy(x => x.Pattern.Priority);
        try
        {
            foreach (var group in groups)
            {
                var matches = group.SelectMany(x => x.Pattern.Regex.Matches(text).Select(m => (Match: m, x.Pattern)))
                    .OrderByDescending(x => x.Match.Index + x.Match.Length).ThenBy(x => x.Match.Index).ToList();
                foreach (var (match, pattern) in matches)
                {
                    if (clock.Elapsed.TotalSeconds > options.TimeoutSeconds) return [];
                    var (value, fallback) = ExtractMatch(match, pattern, options);
                    matchFound = true;
                    if (!string.IsNullOrEmpty(fallback)) fallbacks.Add(fallback);
                    if (value is not null) { results.Add(value); break; }
                    if (options.ExtractionMode == ExtractionMode.FirstMatch) break;
                }
                if (results.Count > 0 || (matchFound && options.ExtractionMode == ExtractionMode.FirstMatch)) break;
            }
        }
        catch (RegexMatchTimeoutException)
        {
            return [];
        }
        if (options.FallbackMode == FallbackMode.FirstMatch && fallbacks.Count > 0) results.Add(ParsedAnswer.OfText(fallbacks[0]));
        return results;
    }

    static (ParsedAnswer? Value, string Fallback) ExtractMatch(Match match, ExtractionPattern pattern, GradingOptions options) => pattern.Target switch
    {
        LatexTarget latex => ExtractLatex(match, pattern.Regex, latex, options),
        ExprTarget => ExtractExpr(match, options),
        StringTarget s => ExtractString(match, s),
        _ => (null, ""),
    };

    static (ParsedAnswer?, string) ExtractString(Match match, StringTarget target)
    {
        var g = match.Groups["string_keys"].Success ? match.Groups["string_keys"] : match.Groups["indices"];
        var parsed = target.Lowercase ? g.Value.ToLowerInvariant() : g.Value;
        return (ParsedAnswer.OfText(parsed), g.Value);
    }

    static string FirstGroup(Match match, string prefix) =>
        match.Groups.Cast<Group>().FirstOrDefault(g => g.Success && g.Name.StartsWith(prefix, StringComparison.Ordinal) && g.Value.Length > 0)?.Value ?? "";

    static (ParsedAnswer?, string) ExtractExpr(Match match, GradingOptions options)
    {
        var integer = FirstGroup(match, "integer");
        var dec = FirstGroup(match, "decimal");
        if (integer.Length > 0 || dec.Length > 0)
        {
            // "1,000" and "1 000" lose their separators; leading zeros go ("004" is 4); "1,22" is a decimal comma.
            integer = integer.Replace(",", "").Replace(" ", "");
            bool negative = integer.StartsWith('-');
            var digits = (negative ? integer[1..] : integer).TrimStart('0');
            integer = (negative ? "-" : "") + (digits.Length == 0 ? "0" : digits);
            var numberText = integer + dec.Replace(',', '.');
            if (BigRational.TryParseDecimal(numberText) is not { } value) return (null, numberText);
            MathNode node = new NumberNode(value, numberText.Contains('.'));
            if (match.Groups["percent"].Success && match.Groups["percent"].Length > 0) node = Build.Percent(node);
            return (ParsedAnswer.Of(node), numberText);
        }
        var expr = match.Groups["expr"].Value;
        if (expr.Length == 0) return (null, "");
        if (expr.Length > options.MaxAnswerChars) return (null, expr);
        try
        {
            // Python reads "3." as the float 3.0 ("... is 2/3." parses as 2/3.0).
            var source = TrailingDot.Replace(expr.Replace('\n', ' '), "$1.0");
            return (ParsedAnswer.Of(LatexParser.Parse(source, options.MaxDepth)), expr);
        }
        catch (MathParseException)
        {
            return (null, expr);
        }
    }

    static (ParsedAnswer?, string) ExtractLatex(Match match, Regex regex, LatexTarget target, GradingOptions options)
    {
        var pieces = new List<(string Value, string Name)>();
        foreach (var prefix in new[] { "first_latex", "next1_latex", "next2_latex", "next3_latex", "next4_latex", "next5_latex" })
        {
            var g = regex.GetGroupNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => match.Groups[n])
                .FirstOrDefault(g => g.Success && g.Value.Length > 0);
            if (g is not null) pieces.Add((g.Value, g.Name));
        }
        if (pieces.Count == 0) return (null, "");
        var values = new List<MathNode?>();
        var texts = new List<string>();
        foreach (var (latex, name) in pieces)
        {
            var config = target.NormalizationOrDefault;
            if (name.EndsWith("latexBoxed", StringComparison.Ordinal)) config = config with { Boxed = BoxedMode.Last };
            var normalized = LatexNormalizer.Normalize(latex, config);
            texts.Add(normalized);
            var parsed = TryParseLatex(normalized, options);
            var percent = match.Groups[name.Split('_')[0] + "_percent"];
            if (parsed is not null && percent.Success && percent.Length > 0) parsed = Build.Percent(parsed);
            values.Add(parsed);
        }
        if (values.Count > 1 && values.All(v => v is not null))
        {
            var items = values.SelectMany(v => v is SetNode s ? s.Items : [v!]).ToList();
            return (ParsedAnswer.Of(new SetNode(items)), string.Join(" and ", texts));
        }
        return (values[0] is { } first ? ParsedAnswer.Of(first) : null, texts[0]);
    }

    static readonly Regex TrailingDot = new(@"(\d)\.(?!\d)", RegexOptions.CultureInvariant);
    static readonly Regex EquationSplit = new(@"(?<!\\|<|!|>)=", RegexOptions.CultureInvariant);

    /// <summary>Parses normalized LaTeX; if that fails, the part after the last "=" of an "a = b = c" chain.</summary>
    static MathNode? TryParseLatex(string latex, GradingOptions options)
    {
        if (latex.Length > options.MaxAnswerChars) return null;
        try
        {
            return LatexParser.Parse(latex, options.MaxDepth);
        }
        catch (MathParseException)
        {
            if (latex.Contains(',') || latex.Contains(';')) return null;
            var parts = EquationSplit.Split(latex);
            if (parts.Length <= 2) return null;
            try { return LatexParser.Parse(parts[^1], options.MaxDepth); }
            catch (MathParseException) { return null; }
        }
    }
}
