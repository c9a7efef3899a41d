using SlotSharp.Grading;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// lighteval's extractive_match for the math tasks, through the Math-Verify port in <see cref="SlotSharp.Grading"/>:
/// extract from the gold with the task's gold targets (the raw gold stands in when nothing is found), extract from the
/// prediction, and score 1 when any pair compares equal.
/// </summary>
internal sealed class MathVerifyScorer(GradingTask task) : IAnswerScorer
{
    public AnswerScore Score(string gold, string prediction)
    {
        var goldAnswers = MathGrader.Parse(gold, task.GoldTargets, task.Options);
        if (goldAnswers.Count == 0 && task.UseRawGoldWhenUnextracted) goldAnswers = [ParsedAnswer.OfText(gold)];
        var predicted = MathGrader.Parse(prediction, task.PredictionTargets, task.Options);
        bool correct = MathGrader.Verify(goldAnswers, predicted, task.Options);
        return new AnswerScore(correct, goldAnswers.Select(a => a.ToString()).ToList(),
            predicted.Select(a => a.ToString()).ToList());
    }
}
