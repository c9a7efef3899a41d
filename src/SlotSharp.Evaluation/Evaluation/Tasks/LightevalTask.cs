using SlotSharp.Grading;
using SlotSharp.Hub;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// The lighteval 0.8 tasks SLOT runs (run_vllm.sh: "lighteval|TASK|0|0" with --use-chat-template and no system
/// prompt): zero-shot, one user message holding the rendered template, chat template with the generation prompt,
/// tokenized WITH special tokens (the vLLM backend's default), metric extractive_match.
/// </summary>
public abstract class LightevalTask(string name, string defaultData, IAnswerScorer scorer) : IEvalTask
{
    /// <summary>run_vllm.sh's sampling: temperature 0.6, top_p 0.95, 32768 new tokens in a 32768-token model length.</summary>
    internal static readonly EvalGeneration ReferenceGeneration = new(32768, true, 0.6, 0.95, 32768);

    /// <summary>aime24's and math_500's template after .format (Python's doubled braces are single here).</summary>
    internal const string MathTemplate =
        "Solve the following math problem efficiently and clearly.  The last line of your response should be of the " +
        "following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I hope it is correct' (without quotes) " +
        "where ANSWER is just the final number or expression that solves the problem. Think step by step before answering.\n\n";

    public string Name { get; } = name;
    public string ResultsKey => $"lighteval|{Name}|0";
    public int Version => 1;
    public string MetricName => "extractive_match";
    public string DefaultData { get; } = defaultData;
    public EvalGeneration DefaultGeneration => ReferenceGeneration;

    public abstract IReadOnlyList<TaskDocument> Load(string data);

    /// <summary>Hub cache, endpoint and token for a Hub dataset id (null: the environment's HF_* variables).</summary>
    public HubSettings? Hub { get; init; }

    /// <summary>lighteval's get_docs seeds a private random.Random(42), shuffles the documents and then keeps the first
    /// max_samples: so a limit picks a seeded random subset, not the first rows of the file.</summary>
    internal const int DocumentShuffleSeed = 42;

    public IReadOnlyList<TaskDocument> EvaluationOrder(IReadOnlyList<TaskDocument> documents)
    {
        var order = documents.ToList();
        new PythonRandom(DocumentShuffleSeed).Shuffle(order);
        return order;
    }

    /// <summary>The first <paramref name="limit"/> documents of <see cref="EvaluationOrder"/> (lighteval's
    /// max_samples); the run's seed only seeds sampling, as in lighteval.</summary>
    public IReadOnlyList<TaskDocument> Select(IReadOnlyList<TaskDocument> documents, int? limit, long seed)
    {
        if (limit is < 1) throw new SlotSharpException($"limit must be >= 1, got {limit}");
        var ordered = EvaluationOrder(documents);
        return limit is { } n ? ordered.Take(n).ToList() : ordered;
    }

    public TaskPrompt Prompt(TaskDocument document) => new([new EvalMessage("user", document.Instruction)], AddSpecialTokens: true);

    public AnswerScore Score(TaskDocument document, string prediction) => scorer.Score(document.Gold, prediction);

    /// <summary>The three tasks by the name the CLI uses (aime24, math500, gpqa-diamond) or lighteval's.</summary>
    public static LightevalTask ByName(string name) => name switch
    {
        "aime24" => new Aime24Task(),
        "math500" or "math_500" => new Math500Task(),
        "gpqa-diamond" or "gpqa:diamond" => new GpqaDiamondTask(),
        _ => throw new SlotSharpException($"unknown evaluation task '{name}' (expected aime24, math500 or gpqa-diamond)"),
    };
}

/// <summary>lighteval aime24 (aime_prompt_fn): HuggingFaceH4/aime_2024 split train; gold = the answer field.</summary>
public sealed class Aime24Task() : LightevalTask("aime24", "HuggingFaceH4/aime_2024", new MathVerifyScorer(GradingTask.Aime))
{
    public override IReadOnlyList<TaskDocument> Load(string data) =>
        TaskData.Load(data, config: null, hubSplit: "train", Name, hub: Hub).Select((row, i) => new TaskDocument(i,
            TaskData.OptionalField(row, "id") ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            MathTemplate + TaskData.Field(row, "problem", data, i), TaskData.Field(row, "answer", data, i))).ToList();
}

/// <summary>lighteval math_500: HuggingFaceH4/MATH-500 split test; gold = the full solution (not the answer field).</summary>
public sealed class Math500Task() : LightevalTask("math_500", "HuggingFaceH4/MATH-500", new MathVerifyScorer(GradingTask.Math))
{
    public override IReadOnlyList<TaskDocument> Load(string data) =>
        TaskData.Load(data, config: null, hubSplit: "test", Name, hub: Hub).Select((row, i) => new TaskDocument(i,
            TaskData.OptionalField(row, "unique_id") ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            MathTemplate + TaskData.Field(row, "problem", data, i), TaskData.Field(row, "solution", data, i))).ToList();
}
