namespace SlotSharp.Slot;

/// <summary>Which update rule (and loss/gradient form) the SLOT stage uses.</summary>
public enum SlotOptimizerKind
{
    /// <summary>The HF path (<c>modeling_qwen2_slot.py</c>): torch AdamW, betas (0.9, 0.999), eps 1e-5, weight decay 1e-8, mean CE.</summary>
    AdamW,

    /// <summary>The patched vLLM runner: hand-written Adam, betas (0.9, 0.95), eps 1e-6, decay 1e-5, gradient averaged twice.</summary>
    Vllm,
}

/// <summary>Which implementation computes the loss and gradient.</summary>
public enum SlotImplKind
{
    /// <summary>Closed-form gradient on cached prompt logits; no autograd (the default).</summary>
    Fast,

    /// <summary>The original code path with autograd; the correctness oracle and benchmark baseline.</summary>
    Reference,
}

/// <summary>
/// Knobs of the SLOT prompt stage. Null optimizer hyper-parameters take the defaults of <see cref="Optimizer"/>
/// (see <see cref="SlotOptimizerDefaults"/>), so the two original code paths are reproduced unless overridden.
/// </summary>
public sealed record SlotOptions
{
    /// <summary>The optimizer's name as the CLI, the server's "slot" field and the JSON output spell it: adamw or vllm.</summary>
    internal static string Name(SlotOptimizerKind kind) => kind == SlotOptimizerKind.Vllm ? "vllm" : "adamw";

    /// <summary>The implementation's name: fast or reference.</summary>
    internal static string Name(SlotImplKind kind) => kind == SlotImplKind.Reference ? "reference" : "fast";

    public const long DefaultMemoryBudgetBytes = 512L * 1024 * 1024;

    /// <summary>
    /// Most optimizer steps accepted. The paper uses 3 to 5; each step is one pass over W, so thousands would tie a
    /// request up for minutes (2000 took a minute on a 0.5B model) for no known benefit. See docs/slot.md.
    /// </summary>
    public const int MaxTimes = 1000;

    /// <summary>Number of optimizer steps (0 to <see cref="MaxTimes"/>); 0 disables SLOT (delta stays 0).</summary>
    public int Times { get; init; } = 5;

    public double Lr { get; init; } = 0.1;

    public SlotOptimizerKind Optimizer { get; init; } = SlotOptimizerKind.AdamW;

    public SlotImplKind Impl { get; init; } = SlotImplKind.Fast;

    /// <summary>
    /// Fit delta on the prompt's first K tokens only (the same loss over positions 0..K-2 against tokens 1..K-1); null
    /// fits the whole prompt. Generation, and every log-probability reported, still uses the whole prompt under that
    /// delta: a context + continuation request scores the continuation under a delta that never saw it.
    /// </summary>
    public int? FitTokens { get; init; }

    public double? Beta1 { get; init; }
    public double? Beta2 { get; init; }
    public double? Eps { get; init; }
    public double? WeightDecay { get; init; }

    /// <summary>
    /// Largest (T-1) x V float32 block the fast path may keep; above it the prompt logits are recomputed per step
    /// in chunks of positions, so very long prompts run in bounded memory.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>The prompt tokens the stage fits: the first <see cref="FitTokens"/>, or all of them.</summary>
    internal int[] FittedIds(int[] promptIds) =>
        FitTokens is { } k && k < promptIds.Length ? promptIds[..k] : promptIds;

    /// <summary>Hyper-parameters with the optimizer's defaults filled in; throws when any option is invalid.</summary>
    public SlotHyperParameters Resolve()
    {
        Validate();
        var d = SlotOptimizerDefaults.For(Optimizer);
        var hp = new SlotHyperParameters(Optimizer, Times, Lr, Beta1 ?? d.Beta1, Beta2 ?? d.Beta2, Eps ?? d.Eps, WeightDecay ?? d.WeightDecay);
        Check(hp.Beta1 >= 0 && hp.Beta1 < 1, "beta1", hp.Beta1, "must lie in [0, 1)");
        Check(hp.Beta2 >= 0 && hp.Beta2 < 1, "beta2", hp.Beta2, "must lie in [0, 1)");
        Check(double.IsFinite(hp.Eps) && hp.Eps > 0, "eps", hp.Eps, "must be a finite number > 0");
        Check(double.IsFinite(hp.WeightDecay) && hp.WeightDecay >= 0, "weight decay", hp.WeightDecay, "must be a finite number >= 0");
        return hp;
    }

    void Validate()
    {
        if (Times < 0 || Times > MaxTimes) throw new SlotSharpException($"SLOT option 'times' must lie in [0, {MaxTimes}] (got {Times})");
        Check(double.IsFinite(Lr) && Lr > 0, "lr", Lr, "must be a finite number > 0");
        if (FitTokens is < 2) throw new SlotSharpException($"SLOT option 'fit_tokens' must be >= 2 (a target needs a token before it), got {FitTokens}");
        if (MemoryBudgetBytes <= 0) throw new SlotSharpException($"SLOT option 'memory budget' must be > 0 bytes (got {MemoryBudgetBytes})");
        if (!Enum.IsDefined(Optimizer)) throw new SlotSharpException($"SLOT option 'optimizer' has an unknown value {(int)Optimizer}");
        if (!Enum.IsDefined(Impl)) throw new SlotSharpException($"SLOT option 'impl' has an unknown value {(int)Impl}");
    }

    static void Check(bool ok, string name, double value, string rule)
    {
        if (!ok) throw new SlotSharpException($"SLOT option '{name}' {rule} (got {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})");
    }
}

/// <summary>Fully resolved optimizer settings.</summary>
public sealed record SlotHyperParameters(SlotOptimizerKind Optimizer, int Times, double Lr, double Beta1, double Beta2, double Eps, double WeightDecay);

/// <summary>The constants of the two original code paths.</summary>
internal static class SlotOptimizerDefaults
{
    public static (double Beta1, double Beta2, double Eps, double WeightDecay) For(SlotOptimizerKind kind) => kind switch
    {
        SlotOptimizerKind.AdamW => (0.9, 0.999, 1e-5, 1e-8),
        SlotOptimizerKind.Vllm => (0.9, 0.95, 1e-6, 1e-5),
        _ => throw new SlotSharpException($"SLOT option 'optimizer' has an unknown value {(int)kind}"),
    };

    /// <summary>Both originals start from times 5, lr 0.1 in SlotSharp (the README's examples).</summary>
    public const int DefaultTimes = 5;
    public const double DefaultLr = 0.1;
}
