using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace SlotSharp.Grading;

/// <summary>A compiled extraction regex with its priority (lower is tried first) and the target that owns it.</summary>
internal sealed record ExtractionPattern(Regex Regex, int Priority, ExtractionTarget Target);

/// <summary>
/// Builds the prioritized regexes of each target, following Math-Verify 0.8's parser (the same anchors and priorities
/// lighteval 0.8 uses: 0 "final answer is X. I hope", 50 "final answer ... is X", 100 "answer: X", 200 "answer X",
/// 300 no anchor; boxed LaTeX at the target's boxed priority). Compiled once per target and cached.
/// </summary>
internal static class ExtractionPatterns
{
    /// <summary>Per-regex time limit; a pathological input fails the match instead of hanging the grader.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    static readonly ConcurrentDictionary<ExtractionTarget, IReadOnlyList<ExtractionPattern>> Cache = new();

    public static IReadOnlyList<ExtractionPattern> For(ExtractionTarget target) => Cache.GetOrAdd(target, t => t switch
    {
        LatexTarget l => Latex(l),
        ExprTarget e => Expr(e),
        StringTarget s => s.LightevalIndices ? Indices(s) : Strings(s),
        _ => throw new ArgumentException($"unknown target {t}"),
    });

    static ExtractionPattern P(string pattern, int priority, ExtractionTarget target, RegexOptions extra = RegexOptions.None) =>
        new(new Regex(pattern, RegexOptions.CultureInvariant | extra, MatchTimeout), priority, target);

    const string Currency = "$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₴₵₶₷₸₹₺₻₼₽₾₿";

    static IReadOnlyList<ExtractionPattern> Expr(ExprTarget target)
    {
        var thousands = target.Lighteval08 ? @"(?:(?<integer1>-?\d{1,3}(?:[ ,]\d{3})+)" : @"(?<!\d)(?:(?<integer1>-?[1-9]\d{0,2}(?:[ ,]\d{3})+)";
        var number = thousands
            + @"(?<decimal1>\.\d+)?|(?<integer2>-?\d+)(?<decimal2>[.,]\d+)|(?<decimal3>\.\d+)|(?<integer3>-?\d+))"
            + @"(?<percent>\s*(?:%|[Pp]ercent|\s*[Pp]ercentage|\s*[Pp]ct))?";
        const string exprChars = @"[\d.\s+\-*×/^()÷]";
        const string expr = @"(?<expr>-?\(?-?\d" + exprChars + @"*[+\-*×/^()÷]" + exprChars + @"+\)?)";
        const string prefix = @"(?:^|\s|=)(?:\*\*)?";
        const string suffix = @"(?:\*\*)?(?:\.|,|:|\s|\)|\$|$)";
        var exprWithAnchors = $"(?:{prefix}{expr}{suffix})";
        var numberWithAnchors = $"(?:{prefix}[{Regex.Escape(Currency)}]?{number})";
        var exprOrNumber = $"(?:{exprWithAnchors}|{numberWithAnchors})";
        var list = new List<ExtractionPattern>
        {
            P($@"(?i:final answer is):?\s*{exprOrNumber}\.?\s?I hope", 0, target),
            P($@"(?i:final answer.{{0,100}}?)\s+is:?{exprOrNumber}", 50, target),
            P($@"(?i:answer):(?:.{{0,100}}=\s*|.{{0,50}}?){exprOrNumber}(?!\s*=)", 100, target),
            P($@"(?i:answer)(?:.{{0,100}}=\s*|.{{0,50}}?){exprOrNumber}(?!\s*=)", 200, target),
        };
        if (target.TryExtractWithoutAnchor)
        {
            list.Add(P(exprWithAnchors, 300, target));
            list.Add(P(numberWithAnchors, 300, target));
        }
        return list;
    }

    /// <summary>One math environment ($$..$$, \[..\], $..$, \(..\), " [..] ", bare \frac{a}{b}) plus an optional percent.</summary>
    static string LatexEnvironment(string prefix, bool boxed)
    {
        string displayDollar = @"(?:[^$]|\$(?!\$))", displayBracket = @"(?:[^\\]|\\(?!\]))", inlineDollar = @"(?:\\[$]|[^\n$])",
            inlineParen = @"(?:[^\\\n]|\\(?!\)))", inlineBracket = @"[^\n\]\[]";
        string Content(string c) => boxed ? $@"{c}*?\\boxed\{{{c}+?\}}{c}*?" : $"{c}+?";
        var patterns = new List<string>
        {
            $@"(?<!\\)\$\$(?<{prefix}latexDisplayDollar>{Content(displayDollar)})(?<!\\)\$\$",
            $@"(?<!\\)\\\[(?<{prefix}latexDisplayBracket>{Content(displayBracket)})(?<!\\)\\\]",
            $@"(?<!\\|\d)\$(?<{prefix}latexInlineDollar>{Content(inlineDollar)})(?<!\\)\$",
            $@"(?<!\\)\\\((?<{prefix}latexInlineParenthesis>{Content(inlineParen)})(?<!\\)\\\)",
            $@"\s\[(?<{prefix}latexInlineBracket>{Content(inlineBracket)})\]\s",
        };
        if (!boxed)
        {
            const string simpleNumber = @"-?\d+(?:[.,]\d+)?";
            patterns.Add($@"(?<{prefix}latexFraction>-?\\frac\{{{simpleNumber}\}}\{{{simpleNumber}\}})");
        }
        return $@"(?:(?:{string.Join("|", patterns)})\s*(?<{prefix}percent>(?:\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))?)";
    }

    /// <summary>Up to six environments joined by "and", "or" or commas (an answer list such as "$1$, $2$ and $3$").</summary>
    static string JoinedEnvironments(bool boxed, bool lighteval08)
    {
        // Math-Verify 0.7 added ",and"/",or" joiners (a comma right before the word); lighteval 0.8 has only and/or/",".
        var joiner = lighteval08 ? "(?:and|or|,)" : "(?:,?and|,?or|,)";
        var next = string.Concat(Enumerable.Range(1, 5).Select(i => $@"(?:\s*{joiner}\s*{LatexEnvironment($"next{i}_", boxed)})?"));
        return $"(?:{LatexEnvironment("first_", boxed)}{next})";
    }

    static IReadOnlyList<ExtractionPattern> Latex(LatexTarget target)
    {
        var envs = JoinedEnvironments(boxed: false, target.Lighteval08);
        const RegexOptions dotAll = RegexOptions.Singleline;
        var list = new List<ExtractionPattern>
        {
            P($@"(?i:final answer is):?\s*{envs}\.?\s?I hope", 0, target, dotAll),
            P($@"(?i:final answer.{{0,100}}?)\s+is:?\s*{envs}", 50, target, dotAll),
            P($@"(?i:answer):.{{0,50}}?{envs}", 100, target, dotAll),
            P($@"(?i:answer).{{0,50}}?{envs}", 200, target, dotAll),
        };
        if (target.TryExtractWithoutAnchor) list.Add(P(envs, 300, target, dotAll));
        if (target.BoxedMatchPriority >= 0)
        {
            list.Add(P(JoinedEnvironments(boxed: true, target.Lighteval08), target.BoxedMatchPriority, target, dotAll));
            // A bare \boxed{ runs to the last "}" of the text; the normalizer finds where the box really ends.
            list.Add(P(@"(?<first_latexBoxed>\\boxed\{.+\})", target.BoxedMatchPriority, target, dotAll));
        }
        return list;
    }

    static string Choices(StringTarget target) => $"(?<string_keys>{string.Join("|", target.Strings.Select(Regex.Escape))})";

    static IReadOnlyList<ExtractionPattern> Strings(StringTarget target)
    {
        var keys = Choices(target);
        const string suffix = @"(?:\*\*)?(?:\.|,|:|\s|$)";
        var answer = $@"(^|\s)(?:\*\*)?{keys}{suffix}";
        var list = new List<ExtractionPattern>
        {
            P($@"(?i:final answer is):?\s*{keys}\.?\s?I hope", 0, target),
            P($@"(?i:final answer.{{0,100}}?)\s+is:?\s*{keys}", 50, target),
            P($@"(?i:answer):.{{0,50}}?{answer}", 100, target),
            P($@"(?i:answer).{{0,50}}?{answer}", 200, target),
        };
        if (target.TryExtractWithoutAnchor)
        {
            list.Add(P($@"^(?:\*\*)?{keys}{suffix}", 250, target));
            list.Add(P(answer, 300, target));
        }
        return list;
    }

    /// <summary>lighteval 0.8's IndicesExtractionConfig letter patterns (its LIGHTEVAL_TASKS.md appendix B.3).</summary>
    static IReadOnlyList<ExtractionPattern> Indices(StringTarget target)
    {
        var keys = Choices(target).Replace("string_keys", "indices");
        var answer = $@"(^|\ )(?:\*\*)?{keys}(?:\*\*)?(?:\.|,|:|\ |$)";
        return
        [
            P($@"(?i:final answer is):?\s*{keys}\.?\s?I hope", 0, target),
            P($@"(?i:final answer.{{0,100}}?)\s+is:?\s*{keys}", 50, target),
            P($@"(?i:answer):.{{0,50}}?{answer}", 100, target),
            P($@"(?i:answer).{{0,50}}?{answer}", 150, target),
            P($@"^(?:\*\*)?{keys}(?:\*\*)?(?:\.|,|:|\ |$)", 200, target),
            P(answer, 250, target),
            P(keys, 300, target),
        ];
    }
}
