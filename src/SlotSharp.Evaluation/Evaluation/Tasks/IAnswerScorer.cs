namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// The outcome of scoring one prediction: whether it is correct and what was extracted from each side (the lists
/// lighteval's extractive_match builds: typically [parsed answer, fallback string]; empty when nothing was found).
/// </summary>
public sealed record AnswerScore(bool Correct, IReadOnlyList<string> ExtractedGold, IReadOnlyList<string> ExtractedPrediction)
{
    /// <summary>Whether the output has the layout the task asks for (GSM8K's &lt;think&gt;&lt;answer&gt; check);
    /// false for tasks that do not check one.</summary>
    public bool FormatCorrect { get; init; }
}

/// <summary>The scoring seam of a task: compares a model output with the task's gold string.</summary>
public interface IAnswerScorer
{
    AnswerScore Score(string gold, string prediction);
}
