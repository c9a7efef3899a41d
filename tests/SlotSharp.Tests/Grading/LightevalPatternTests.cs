using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

/// <summary>
/// The lighteval-variant patterns against the regexes lighteval 0.8 builds, quoted literally in
/// shared/datasets/LIGHTEVAL_TASKS.md appendix B: on a corpus of texts, every pattern must find the same matches with
/// the same captured groups and the same priority. The quoted regexes are only read by this test, never by the grader.
/// </summary>
public class LightevalPatternTests
{
    /// <summary>The ```text blocks of one appendix section, in order, with Python's (?P&lt;name&gt;) made .NET's (?&lt;name&gt;).</summary>
    static List<string> QuotedPatterns(string markdown, string section)
    {
        var start = markdown.IndexOf(section, StringComparison.Ordinal);
        var end = markdown.IndexOf("\n### ", start + section.Length, StringComparison.Ordinal);
        var body = markdown[start..(end < 0 ? markdown.Length : end)];
        return Regex.Matches(body, "```text\n(.*?)\n```", RegexOptions.Singleline).Select(m => m.Groups[1].Value.Replace("(?P<", "(?<")).ToList();
    }

    static IEnumerable<string> Corpus()
    {
        foreach (var line in File.ReadLines(SharedAssets.Require("datasets", "math500", "test.jsonl")))
            yield return (string)JsonNode.Parse(line)!["solution"]!;
        yield return "The final answer is $\\boxed{3}$. I hope it is correct";
        yield return "Final answer: the answer is 1 000 apples, or 1,234.5, or 0,111 or 12,5 % of $5";
        yield return "So the answer: x = 3/4 + (2^10) ÷ 5 × 2. Then answer is $1$ and $2$, or \\(3\\) or \\[4\\] percent";
        yield return "answer is **B**. Answer: C, or maybe D: final answer is A. I hope";
        yield return "A. Because B is valid\nThe final answer to this is \\frac{3}{4}";
        yield return "$$\\boxed{1}, \\boxed{2} and $\\boxed{3}$$ \\boxed{x} [ \\boxed{5} ] 7%";
        yield return "the roots are $1$,and $2$,or $\\boxed{3}$,and $\\boxed{4}$"; // ",and" joins only in Math-Verify 0.7+
    }

    static void AssertSameMatches(string quoted, ExtractionPattern mine, IReadOnlyList<string> groups, string what)
    {
        var reference = new Regex(quoted, mine.Regex.Options);
        foreach (var text in Corpus())
        {
            var expected = reference.Matches(text).Select(m => Describe(m, groups)).ToList();
            var actual = mine.Regex.Matches(text).Select(m => Describe(m, groups)).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{what}: matches differ on {text[..Math.Min(80, text.Length)]}");
        }
    }

    static string Describe(Match m, IReadOnlyList<string> groups) =>
        $"{m.Index}+{m.Length}:" + string.Join("|", groups.Select(g => m.Groups[g].Success ? m.Groups[g].Value : "-"));

    static IReadOnlyList<string> GroupNames(string pattern) =>
        new Regex(pattern).GetGroupNames().Where(n => !int.TryParse(n, out _)).ToList();

    [SkippableTheory]
    [InlineData("### B.1", "expr")]
    [InlineData("### B.2", "latex")]
    [InlineData("### B.3", "gpqa")]
    public void Patterns_match_what_lighteval_0_8_matches(string section, string kind)
    {
        var markdown = File.ReadAllText(SharedAssets.Require("datasets", "LIGHTEVAL_TASKS.md"));
        var quoted = QuotedPatterns(markdown, section);
        var (target, priorities) = kind switch
        {
            "expr" => ((ExtractionTarget)new ExprTarget(Lighteval08: true), new[] { 0, 50, 100, 200, 300, 300 }),
            "latex" => (new LatexTarget(BoxedMatchPriority: 55, Lighteval08: true), new[] { 0, 50, 100, 200, 300, 55, 55 }),
            _ => (GradingTask.Gpqa.GoldTargets[0], new[] { 0, 50, 100, 150, 200, 250, 300 }),
        };
        var mine = ExtractionPatterns.For(target);
        Assert.Equal(priorities.Length, quoted.Count);
        Assert.Equal(priorities, mine.Select(p => p.Priority));
        for (int i = 0; i < quoted.Count; i++) AssertSameMatches(quoted[i], mine[i], GroupNames(quoted[i]), $"{section} pattern {i + 1}");
    }
}
