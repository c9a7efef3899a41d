using System.Globalization;

namespace SlotSharp.Grading;

/// <summary>What to look for in a text (Math-Verify's extraction configs); each contributes prioritized regexes.</summary>
public abstract record ExtractionTarget
{
    /// <summary>
    /// Reads the config strings of the peer-case file format: "latex", "latex:boxed_match_priority=N",
    /// "latex:normalization.K=V;...", "expr", "string:A,B,C[;lowercase=false]". Throws <see cref="SlotSharpException"/> naming the bad part.
    /// </summary>
    internal static ExtractionTarget Parse(string spec)
    {
        var colon = spec.IndexOf(':');
        var kind = colon < 0 ? spec : spec[..colon];
        var args = colon < 0 ? "" : spec[(colon + 1)..];
        return kind switch
        {
            "latex" => LatexTarget.FromArguments(args),
            "expr" when args.Length == 0 => new ExprTarget(),
            "string" => StringTarget.FromArguments(args),
            _ => throw new SlotSharpException($"unknown extraction target '{spec}' (expected latex, expr or string)"),
        };
    }
}

/// <summary>
/// LaTeX in math delimiters or \boxed{}; <paramref name="BoxedMatchPriority"/> -1 turns the boxed patterns off.
/// <paramref name="Lighteval08"/>: the joined-environment patterns of lighteval 0.8's own extractor (see docs/grading.md).
/// </summary>
public sealed record LatexTarget(int BoxedMatchPriority = 50, NormalizationConfig? Normalization = null, bool TryExtractWithoutAnchor = true, bool Lighteval08 = false) : ExtractionTarget
{
    internal NormalizationConfig NormalizationOrDefault => Normalization ?? new NormalizationConfig();

    internal static LatexTarget FromArguments(string args)
    {
        var target = new LatexTarget();
        var normalization = new NormalizationConfig();
        foreach (var part in args.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) throw new SlotSharpException($"latex option '{part}' needs a value");
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key == "boxed_match_priority") target = target with { BoxedMatchPriority = Int(value) };
            else if (key == "try_extract_without_anchor") target = target with { TryExtractWithoutAnchor = Bool(value) };
            else normalization = key switch
            {
                "normalization.basic_latex" => normalization with { BasicLatex = Bool(value) },
                "normalization.units" => normalization with { Units = Bool(value) },
                "normalization.malformed_operators" => normalization with { MalformedOperators = Bool(value) },
                "normalization.nits" => normalization with { Nits = Bool(value) },
                "normalization.equations" => normalization with { Equations = Bool(value) },
                // Only "all" and "last" extract boxes: latex2sympy2_extended compares the field with those strings,
                // so test_configs.py's boxed=True switches extraction off.
                "normalization.boxed" => normalization with
                {
                    Boxed = value switch
                    {
                        "all" => BoxedMode.All,
                        "last" => BoxedMode.Last,
                        "true" or "false" or "none" => BoxedMode.None,
                        _ => throw new SlotSharpException($"bad boxed mode '{value}' (expected all, last or none)"),
                    },
                },
                _ => throw new SlotSharpException($"unknown latex option '{key}'"),
            };
        }
        return target with { Normalization = normalization };
    }

    static int Int(string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw new SlotSharpException($"expected an integer, got '{value}'");

    internal static bool Bool(string value) => value switch
    {
        "true" or "True" => true,
        "false" or "False" => false,
        _ => throw new SlotSharpException($"expected true or false, got '{value}'"),
    };
}

/// <summary>
/// Plain numbers ("1,000.5", "$12", "30%") and simple arithmetic ("3/4", "2^10"). <paramref name="Lighteval08"/>:
/// lighteval 0.8's thousands pattern (any first digit, no check for a digit before it).
/// </summary>
public sealed record ExprTarget(bool TryExtractWithoutAnchor = true, bool Lighteval08 = false) : ExtractionTarget;

/// <summary>
/// Literal choices such as answer letters. <paramref name="LightevalIndices"/> selects lighteval 0.8's own letter
/// patterns (IndicesExtractionConfig, used for GPQA) instead of Math-Verify's StringExtractionConfig ones.
/// </summary>
public sealed record StringTarget(IReadOnlyList<string> Strings, bool Lowercase = true, bool TryExtractWithoutAnchor = true, bool LightevalIndices = false) : ExtractionTarget
{
    internal static StringTarget FromArguments(string args)
    {
        var parts = args.Split(';');
        var strings = parts[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (strings.Length == 0) throw new SlotSharpException("string target needs at least one string");
        var target = new StringTarget(strings);
        foreach (var option in parts.Skip(1))
        {
            if (option.StartsWith("lowercase=", StringComparison.Ordinal)) target = target with { Lowercase = LatexTarget.Bool(option["lowercase=".Length..]) };
            else throw new SlotSharpException($"unknown string option '{option}'");
        }
        return target;
    }
}
