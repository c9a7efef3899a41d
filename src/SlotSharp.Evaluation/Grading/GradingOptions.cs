namespace SlotSharp.Grading;

public enum ExtractionMode { AnyMatch, FirstMatch }

public enum FallbackMode { FirstMatch, NoFallback }

/// <summary>
/// Options of parse() and verify() in Math-Verify terms, plus the work bounds this implementation adds
/// (documented in docs/grading.md). Defaults are Math-Verify's.
/// </summary>
public sealed record GradingOptions
{
    /// <summary>Decimal places both sides are rounded to when a written decimal meets a number (verify's float_rounding).</summary>
    public int FloatRounding { get; init; } = 6;

    /// <summary>Significant digits of the numeric difference test (verify's numeric_precision).</summary>
    public int NumericPrecision { get; init; } = 15;

    /// <summary>
    /// Round a written decimal against a non-rational value such as √17 (Math-Verify 0.8.0). lighteval 0.8's
    /// comparison (Math-Verify 0.5 era) gives up there: false, so "1.41421" does not match \sqrt{2}.
    /// </summary>
    public bool RoundFloatAgainstExpression { get; init; } = true;

    /// <summary>When false, the prediction's variables are renamed to the gold's (f(x) matches f(y)).</summary>
    public bool Strict { get; init; } = true;

    /// <summary>Also compare a set gold with a relation prediction (normally only relation gold vs set prediction).</summary>
    public bool AllowSetRelationComparison { get; init; }

    public ExtractionMode ExtractionMode { get; init; } = ExtractionMode.AnyMatch;

    public FallbackMode FallbackMode { get; init; } = FallbackMode.FirstMatch;

    /// <summary>Seconds allowed for one parse or one comparison; past it the answer counts as not extracted / not equal.</summary>
    public double TimeoutSeconds { get; init; } = 5;

    /// <summary>Texts longer than this are not searched (no answer); lighteval outputs are far shorter.</summary>
    public int MaxInputChars { get; init; } = 1_000_000;

    /// <summary>A normalized LaTeX answer longer than this is not parsed (only its text can still match).</summary>
    public int MaxAnswerChars { get; init; } = 20_000;

    /// <summary>Nesting bound of the expression parser and of comparisons.</summary>
    public int MaxDepth { get; init; } = 200;
}
