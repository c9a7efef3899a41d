namespace SlotSharp.Grading;

/// <summary>
/// Extraction targets and options of one benchmark's metric as lighteval 0.8 configures them
/// (shared/datasets/LIGHTEVAL_TASKS.md section 2): which patterns find the gold and the prediction, and the rounding.
/// </summary>
public sealed record GradingTask(string Name, IReadOnlyList<ExtractionTarget> GoldTargets, IReadOnlyList<ExtractionTarget> PredictionTargets, GradingOptions Options)
{
    /// <summary>lighteval's extractive_match grades against the raw gold text when nothing is extracted from it.</summary>
    public bool UseRawGoldWhenUnextracted { get; init; } = true;

    static readonly ExtractionTarget PredictionLatex = new LatexTarget(BoxedMatchPriority: 0, Lighteval08: true);
    static readonly ExtractionTarget Expression = new ExprTarget(Lighteval08: true);

    /// <summary>lighteval 0.8's comparison: 5 decimal places, no rounding of a decimal against an irrational value.</summary>
    static readonly GradingOptions LightevalMath = new() { FloatRounding = 5, RoundFloatAgainstExpression = false };

    /// <summary>math_500: the gold is the full solution (LaTeX, boxed at priority 55).</summary>
    public static readonly GradingTask Math = new("math", [new LatexTarget(BoxedMatchPriority: 55, Lighteval08: true)], [PredictionLatex, Expression], LightevalMath);

    /// <summary>aime24: the gold is a bare number ("025"), found by the expression patterns.</summary>
    public static readonly GradingTask Aime = new("aime", [Expression], [PredictionLatex, Expression], LightevalMath);

    /// <summary>
    /// gsm8k: SLOT's scorer compares numbers through math_verify.parse with ExprExtractionConfig only, after cutting the
    /// last number out of the completion (Evaluation/Gsm8kScoring does that step); here the whole text is searched.
    /// </summary>
    public static readonly GradingTask Gsm8k = new("gsm8k", [new ExprTarget()], [new ExprTarget()], new GradingOptions());

    /// <summary>gpqa:diamond: letters A-D with lighteval's own index patterns, compared as text.</summary>
    public static readonly GradingTask Gpqa = new("gpqa",
        [new StringTarget(["A", "B", "C", "D"], Lowercase: false, LightevalIndices: true)],
        [new StringTarget(["A", "B", "C", "D"], Lowercase: false, LightevalIndices: true)], new GradingOptions { FloatRounding = 6 });

    /// <summary>Math-Verify 0.8.0's own parse()/verify() defaults (LaTeX and expression targets), for its test-case format.</summary>
    public static readonly GradingTask MathVerify = new("math-verify", [new LatexTarget(), new ExprTarget()], [new LatexTarget(), new ExprTarget()], new GradingOptions())
    {
        UseRawGoldWhenUnextracted = false,
    };

    public static readonly IReadOnlyList<GradingTask> All = [Math, Aime, Gsm8k, Gpqa, MathVerify];

    public static GradingTask FromName(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new SlotSharpException($"unknown grading task '{name}' (expected {string.Join(", ", All.Select(t => t.Name))})");

    /// <summary>Grades one input-file case (its own targets and options override the task's).</summary>
    internal bool Grade(GradeCase c) => c.SympyInput
        ? new MathComparer(c.Options).Equal(SympyRepr.Parse(c.Gold), SympyRepr.Parse(c.Prediction))
        : Grade(c.Gold, c.Prediction, c.GoldTargets, c.PredictionTargets, c.Options);

    /// <summary>
    /// Grades one pair as lighteval's extractive_match does: when nothing is extracted from the gold, the raw gold
    /// text itself stands in for it.
    /// </summary>
    public bool Grade(string gold, string prediction, IReadOnlyList<ExtractionTarget>? goldTargets = null,
        IReadOnlyList<ExtractionTarget>? predictionTargets = null, GradingOptions? options = null)
    {
        options ??= Options;
        var goldAnswers = MathGrader.Parse(gold, goldTargets ?? GoldTargets, options);
        if (goldAnswers.Count == 0 && UseRawGoldWhenUnextracted) goldAnswers = [ParsedAnswer.OfText(gold)];
        return MathGrader.Verify(goldAnswers, MathGrader.Parse(prediction, predictionTargets ?? PredictionTargets, options), options);
    }
}
