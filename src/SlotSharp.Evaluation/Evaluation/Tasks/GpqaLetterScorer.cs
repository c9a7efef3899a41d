using System.Text.RegularExpressions;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// lighteval 0.8's gpqa_instruct_metric: IndicesExtractionConfig(prefix_for_extraction="NativeLetters") with four
/// choices on both the gold and the prediction, fallback mode "first_match", letters compared as strings.
/// The patterns are LIGHTEVAL_TASKS.md appendix B.3 verbatim (Python's (?P&lt;name&gt;) written as .NET's
/// (?&lt;name&gt;)); none is multiline, so ^ and $ refer to the whole text, as in Python.
/// </summary>
internal sealed class GpqaLetterScorer : IAnswerScorer
{
    /// <summary>In priority order (0, 50, 100, 150, 200, 250, 300); each priority has one pattern.</summary>
    public static readonly IReadOnlyList<Regex> Patterns =
    [
        new(@"(?i:final answer is)\:?\s*(?<indices>A|B|C|D)\.?\s?I hope"),
        new(@"(?i:final answer.{0,100}?)\s+is\:?\s*(?<indices>A|B|C|D)"),
        new(@"(?i:answer)[:\:].{0,50}?(^|\ )(?:\*\*)?(?<indices>A|B|C|D)(?:\*\*)?(?:[\.\.]|[,\,]|[:\:]|\ |$)"),
        new(@"(?i:answer).{0,50}?(^|\ )(?:\*\*)?(?<indices>A|B|C|D)(?:\*\*)?(?:[\.\.]|[,\,]|[:\:]|\ |$)"),
        new(@"^(?:\*\*)?(?<indices>A|B|C|D)(?:\*\*)?(?:[\.\.]|[,\,]|[:\:]|\ |$)"),
        new(@"(^|\ )(?:\*\*)?(?<indices>A|B|C|D)(?:\*\*)?(?:[\.\.]|[,\,]|[:\:]|\ |$)"),
        new(@"(?<indices>A|B|C|D)"),
    ];

    /// <summary>
    /// The extracted list: empty when no pattern matches, else [letter, letter] (the match itself, then the
    /// "first_match" fallback string, which for a letter is the same letter). Within the first priority that matches,
    /// the match ending last wins; ties go to the one starting first.
    /// </summary>
    public static IReadOnlyList<string> Extract(string text)
    {
        foreach (var pattern in Patterns)
        {
            Match? best = null;
            foreach (Match m in pattern.Matches(text))
            {
                int end = m.Index + m.Length, bestEnd = best == null ? -1 : best.Index + best.Length;
                if (best == null || end > bestEnd || (end == bestEnd && m.Index < best.Index)) best = m;
            }
            if (best != null)
            {
                var letter = best.Groups["indices"].Value;
                return [letter, letter];
            }
        }
        return [];
    }

    public AnswerScore Score(string gold, string prediction)
    {
        var golds = Extract(gold);
        // lighteval: when the gold yields nothing, the raw gold string is compared instead.
        if (golds.Count == 0) golds = [gold];
        var predicted = Extract(prediction);
        bool correct = golds.Any(g => predicted.Any(p => g.Trim().Length > 0 && g.Trim() == p.Trim()));
        return new AnswerScore(correct, golds, predicted);
    }
}
