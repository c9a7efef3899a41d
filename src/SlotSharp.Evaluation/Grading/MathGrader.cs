namespace SlotSharp.Grading;

/// <summary>
/// The grader's front door: Math-Verify's parse() and verify(), and a one-call Grade for (gold, prediction) texts.
/// verify succeeds when any gold item equals any prediction item: values by <see cref="MathComparer"/>, texts when
/// both are non-empty and identical after trimming; a value never equals a text.
/// </summary>
public static class MathGrader
{
    internal static IReadOnlyList<ParsedAnswer> Parse(string text, IReadOnlyList<ExtractionTarget> targets, GradingOptions options) =>
        AnswerExtractor.Parse(text, targets, options);

    internal static bool Verify(IReadOnlyList<ParsedAnswer> gold, IReadOnlyList<ParsedAnswer> prediction, GradingOptions options)
    {
        var comparer = new MathComparer(options);
        foreach (var g in gold)
            foreach (var p in prediction)
            {
                if (g.Value is not null && p.Value is not null)
                {
                    if (comparer.Equal(g.Value, p.Value)) return true;
                }
                else if (g.Text is { } gt && p.Text is { } pt && gt.Trim().Length > 0 && gt.Trim() == pt.Trim()) return true;
            }
        return false;
    }

    public static bool Grade(string gold, string prediction, IReadOnlyList<ExtractionTarget> goldTargets,
        IReadOnlyList<ExtractionTarget> predictionTargets, GradingOptions options) =>
        Verify(Parse(gold, goldTargets, options), Parse(prediction, predictionTargets, options), options);
}
