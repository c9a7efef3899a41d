using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

public class AnswerExtractorTests
{
    static readonly GradingOptions Defaults = new();
    static readonly ExtractionTarget[] LatexAndExpr = [new LatexTarget(BoxedMatchPriority: 0), new ExprTarget()];

    static string First(string text, params ExtractionTarget[] targets) =>
        string.Join(" | ", MathGrader.Parse(text, targets.Length > 0 ? targets : LatexAndExpr, Defaults));

    [SkippableFact]
    public void Rightmost_match_of_the_best_priority_wins()
    {
        Assert.Equal("3 | 3", First("First $1$, then $2$, finally $3$"));
        // The boxed pattern (priority 0 here) beats a later plain environment (priority 300).
        Assert.Equal("7 | 7", First(@"So $\boxed{7}$, not $8$"));
        // "final answer is X. I hope" (priority 0) beats a box with the default priority 50.
        Assert.Equal("9 | 9", First(@"\boxed{1}. The final answer is $9$. I hope it is correct", new LatexTarget()));
    }

    [SkippableFact]
    public void Numbers_follow_the_expression_rules()
    {
        ExtractionTarget[] expr = [new ExprTarget()];
        Assert.Equal("1000 | 1000", First("it costs 1,000 dollars", expr));
        Assert.Equal("Float(61/50) | 1.22", First("soit 1,22 euros", expr)); // decimal comma
        Assert.Equal("4 | 4", First("code 004", expr));
        Assert.Equal("", First("AZYUK2A", expr)); // a number glued to letters is not an answer
        Assert.Equal("(28*1/100) | 28", First("about 28 percent", expr));
        // Math-Verify 0.6.2+ reads a decimal comma after 0; lighteval 0.8's older thousands pattern reads 0,111 as 111.
        Assert.Equal("Float(111/1000) | 0.111", First("x 0,111", expr));
        Assert.Equal("111 | 111", First("x 0,111", new ExprTarget(Lighteval08: true)));
    }

    [SkippableFact]
    public void An_unparsable_match_still_leaves_its_text_as_fallback()
    {
        var result = MathGrader.Parse(@"$\zzz$", [new LatexTarget()], Defaults);
        Assert.Equal([null], result.Select(r => r.Value));
        Assert.Equal(@"\zzz", Assert.Single(result).Text);
        Assert.Empty(MathGrader.Parse(@"$\zzz$", [new LatexTarget()], Defaults with { FallbackMode = FallbackMode.NoFallback }));
    }

    [SkippableFact]
    public void Gpqa_letters_use_lightevals_index_patterns()
    {
        var gpqa = GradingTask.Gpqa.PredictionTargets.ToArray();
        Assert.Equal("C | C", First("Reasoning about A and B...\nAnswer: C", gpqa));
        Assert.Equal("D | D", First("The final answer is D. I hope it is correct", gpqa));
    }

    [SkippableFact]
    public void Texts_longer_than_the_limit_are_not_searched()
    {
        var options = Defaults with { MaxInputChars = 10 };
        Assert.Empty(MathGrader.Parse("the answer is $12345$", LatexAndExpr, options));
    }
}
