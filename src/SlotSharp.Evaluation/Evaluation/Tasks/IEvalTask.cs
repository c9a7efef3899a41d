namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// One evaluation document after the task's prompt function: its row in the dataset, a stable id, the user message
/// (the rendered template) and the gold string handed to the scorer.
/// </summary>
public sealed record TaskDocument(int Index, string Id, string Instruction, string Gold)
{
    /// <summary>The dataset's full worked solution when the task keeps it apart from <see cref="Gold"/> (GSM8K's
    /// answer field, which its journal header fingerprints); null otherwise.</summary>
    public string? Solution { get; init; }
}

/// <summary>What a task sends to the engine for one document.</summary>
/// <param name="AddSpecialTokens">Whether the tokenizer adds its special tokens to the chat-rendered text.</param>
public sealed record TaskPrompt(IReadOnlyList<EvalMessage> Messages, bool AddSpecialTokens);

/// <summary>
/// A benchmark on the shared runner (<see cref="EvalRunner"/>): how its rows are loaded, which of them a run evaluates
/// and in what order, how a prompt is built, its default generation settings and how an output is scored. How its
/// files look is the separate <see cref="ITaskOutput{TReport}"/> it is run with (GSM8K's original log and summary,
/// or lighteval's results, details and log).
/// </summary>
public interface IEvalTask
{
    /// <summary>The task's name ("gsm8k", or lighteval's "aime24", "math_500", "gpqa:diamond"); it names its files.</summary>
    string Name { get; }
    /// <summary>Key of the results JSON ("lighteval|aime24|0"); the summary table shows it with ':' for '|'.</summary>
    string ResultsKey { get; }
    /// <summary>Task version shown in the summary table.</summary>
    int Version { get; }
    /// <summary>Name of the per-sample score and of the aggregated metric.</summary>
    string MetricName { get; }
    /// <summary>Where the data comes from when none is given (a Hub dataset id).</summary>
    string DefaultData { get; }
    /// <summary>Generation settings of the reference run (SLOT's scripts).</summary>
    EvalGeneration DefaultGeneration { get; }

    /// <summary>Loads every document, in dataset order, from a file, a folder or a Hub dataset id.</summary>
    IReadOnlyList<TaskDocument> Load(string data);

    /// <summary>
    /// The documents a run evaluates, in evaluation order (sample 1 first). <paramref name="limit"/> (null: all) and
    /// <paramref name="seed"/> (the run's seed) mean what the reference harness makes of them, because harnesses
    /// differ: SLOT's GSM8K script draws <c>random.sample(rows, n)</c> with the seed, lighteval shuffles with a fixed
    /// seed and keeps the first max_samples.
    /// </summary>
    IReadOnlyList<TaskDocument> Select(IReadOnlyList<TaskDocument> documents, int? limit, long seed);

    TaskPrompt Prompt(TaskDocument document);

    AnswerScore Score(TaskDocument document, string prediction);
}
