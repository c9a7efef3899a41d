using System.Text.Json.Nodes;
using SlotSharp.Grading;

namespace SlotSharp.Tests.Grading;

/// <summary>One verify case of shared/datasets/math-equivalence/cases.json (Math-Verify's own tests as data).</summary>
public sealed record PeerCase(string Id, string Category, string Gold, string Prediction, IReadOnlyList<ExtractionTarget> GoldTargets,
    IReadOnlyList<ExtractionTarget> PredictionTargets, GradingOptions Options, bool Expected, bool IsSympyInput);

/// <summary>Reads the peer suite and runs a case through the grader the way its README specifies.</summary>
public static class PeerCases
{
    public static IReadOnlyList<PeerCase> Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        return root["cases"]!.AsArray().Select(c => new PeerCase(
            (string)c!["id"]!, (string)c["category"]!, (string)c["gold"]!, (string)c["prediction"]!,
            Targets(c["gold_config"]!), Targets(c["pred_config"]!), Options(c["options"]!), (bool)c["expected"]!,
            (string?)c["input_kind"] == "sympy")).ToList();
    }

    public static IReadOnlyList<ExtractionTarget> Targets(JsonNode config) =>
        config.AsArray().Select(s => ExtractionTarget.Parse((string)s!)).ToList();

    public static GradingOptions Options(JsonNode o) => new()
    {
        FloatRounding = (int?)o["float_rounding"] ?? 6,
        NumericPrecision = (int?)o["numeric_precision"] ?? 15,
        Strict = (bool?)o["strict"] ?? true,
        AllowSetRelationComparison = (bool?)o["allow_set_relation_comp"] ?? false,
        ExtractionMode = (string?)o["extraction_mode"] == "first_match" ? ExtractionMode.FirstMatch : ExtractionMode.AnyMatch,
        FallbackMode = (string?)o["fallback_mode"] == "no_fallback" ? FallbackMode.NoFallback : FallbackMode.FirstMatch,
    };

    /// <summary>The grader's verdict; "sympy" cases hold already-built values in srepr form (Rational(1, 3), Float(0.333)).</summary>
    public static bool Run(PeerCase c)
    {
        if (c.IsSympyInput)
            return new MathComparer(c.Options).Equal(Srepr(c.Gold), Srepr(c.Prediction));
        return MathGrader.Grade(c.Gold, c.Prediction, c.GoldTargets, c.PredictionTargets, c.Options);
    }

    /// <summary>The srepr forms used by the suite: Integer(n), Rational(p, q), Float(x).</summary>
    public static MathNode Srepr(string text)
    {
        var open = text.IndexOf('(');
        var name = text[..open];
        var args = text[(open + 1)..^1].Split(',').Select(a => a.Trim().Trim('\'')).ToArray();
        return name switch
        {
            "Integer" => new NumberNode(BigRational.TryParseDecimal(args[0])!.Value),
            "Rational" => new NumberNode(BigRational.TryParseDecimal(args[0])!.Value / BigRational.TryParseDecimal(args[1])!.Value),
            "Float" => new NumberNode(BigRational.TryParseDecimal(args[0])!.Value, IsFloat: true),
            _ => throw new FormatException($"unsupported srepr '{text}'"),
        };
    }
}
