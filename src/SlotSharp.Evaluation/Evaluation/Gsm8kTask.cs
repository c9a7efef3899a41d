using System.Globalization;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Evaluation;

/// <summary>
/// GSM8K as SLOT's <c>eval_only_slot.py</c> runs it, as a task of the shared runner: rows of one split, the subset
/// <c>random.seed(seed); random.sample(rows, n)</c>, the [system, user(question)] prompt tokenized without special
/// tokens, greedy decoding of 512 tokens, and the last-number answer check plus the format check. Its files are
/// the original's (<see cref="Gsm8kOutput"/>).
/// </summary>
public sealed class Gsm8kTask(string split = "test") : IEvalTask
{
    public string Split { get; } = split is "test" or "train"
        ? split : throw new SlotSharpException($"GSM8K split must be 'test' or 'train', got '{split}'");

    public string Name => "gsm8k";
    public string ResultsKey => "gsm8k";
    public int Version => 1;
    public string MetricName => "answer_accuracy";
    public string DefaultData => Gsm8kDataset.HubId;
    /// <summary>The original's model.generate(do_sample=False, max_new_tokens=512); 0.9 is its logged temperature.</summary>
    public EvalGeneration DefaultGeneration => new(512, false, 0.9);

    /// <summary>The original's log, results journal, summary and sweep plot, under &lt;output&gt;/logs.</summary>
    public Gsm8kOutput Output => new(Split);

    public IReadOnlyList<TaskDocument> Load(string data) => Documents(Gsm8kDataset.Load(data, Split));

    /// <summary>One document per row: the question is the user message, the gold is the text after "####", and the
    /// full answer is kept as the solution (the journal header fingerprints it).</summary>
    internal static IReadOnlyList<TaskDocument> Documents(IReadOnlyList<Gsm8kItem> rows) =>
        [.. rows.Select(r => new TaskDocument(r.Index, r.Index.ToString(CultureInfo.InvariantCulture), r.Question, r.GroundTruth)
            { Solution = r.Answer })];

    /// <summary>All rows in file order, or the original's seeded random.sample when fewer are asked for.</summary>
    public IReadOnlyList<TaskDocument> Select(IReadOnlyList<TaskDocument> documents, int? limit, long seed) =>
        Gsm8kDataset.Select(documents, limit, seed);

    public TaskPrompt Prompt(TaskDocument document) => new(Gsm8kPrompt.Messages(document.Instruction), AddSpecialTokens: false);

    /// <summary>The extracted prediction is the last number of the output (none: empty), which decides correctness.</summary>
    public AnswerScore Score(TaskDocument document, string prediction) =>
        new(Gsm8kScoring.IsAnswerCorrect(prediction, document.Gold), [document.Gold],
            Gsm8kScoring.LastNumber(prediction) is { } last ? [last] : [])
        { FormatCorrect = Gsm8kScoring.IsFormatCorrect(prediction) };
}
