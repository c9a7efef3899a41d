namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// One evaluation document after the task's prompt function: its row in the dataset, a stable id, the user message
/// (the rendered template) and the gold string handed to the scorer.
/// </summary>
public sealed record TaskDocument(int Index, string Id, string Instruction, string Gold);

/// <summary>What a task sends to the engine for one document.</summary>
/// <param name="AddSpecialTokens">Whether the tokenizer adds its special tokens to the chat-rendered text.</param>
public sealed record TaskPrompt(IReadOnlyList<EvalMessage> Messages, bool AddSpecialTokens);

/// <summary>
/// A benchmark on the shared runner (<see cref="TaskEvalRunner"/>): how its rows are loaded, how a prompt is built,
/// its default generation settings and how an output is scored.
/// </summary>
public interface IEvalTask
{
    /// <summary>The task's lighteval name ("aime24", "math_500", "gpqa:diamond"); it starts the log file name.</summary>
    string Name { get; }
    /// <summary>Key of the results JSON ("lighteval|aime24|0"); the summary table shows it with ':' for '|'.</summary>
    string ResultsKey { get; }
    /// <summary>Task version shown in the summary table.</summary>
    int Version { get; }
    /// <summary>Name of the per-sample score and of the aggregated metric.</summary>
    string MetricName { get; }
    /// <summary>Where the data comes from when none is given (a Hub dataset id).</summary>
    string DefaultData { get; }
    /// <summary>Generation settings of the reference run (SLOT's run_vllm.sh).</summary>
    EvalGeneration DefaultGeneration { get; }

    /// <summary>Loads every document, in dataset order, from a file, a folder or a Hub dataset id.</summary>
    IReadOnlyList<TaskDocument> Load(string data);

    /// <summary>
    /// The order the documents are evaluated in; a run with a limit of N takes the first N of it (the task defines
    /// this because harnesses differ: lighteval shuffles before taking max_samples).
    /// </summary>
    IReadOnlyList<TaskDocument> EvaluationOrder(IReadOnlyList<TaskDocument> documents);

    TaskPrompt Prompt(TaskDocument document);

    AnswerScore Score(TaskDocument document, string prediction);
}
