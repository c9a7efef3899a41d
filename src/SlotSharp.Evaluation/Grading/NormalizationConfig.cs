namespace SlotSharp.Grading;

/// <summary>Which \boxed{...} contents the normalizer keeps: every box, the last group of boxes, or none (boxes stay).</summary>
public enum BoxedMode { All, Last, None }

/// <summary>
/// Switches for <see cref="LatexNormalizer"/>, named after latex2sympy2_extended's NormalizationConfig fields.
/// The defaults are the ones Math-Verify's LatexExtractionConfig uses (every group on, boxed=all, equations off).
/// </summary>
public sealed record NormalizationConfig(
    bool BasicLatex = true,
    bool Units = true,
    bool MalformedOperators = true,
    bool Nits = true,
    BoxedMode Boxed = BoxedMode.All,
    bool Equations = false);
