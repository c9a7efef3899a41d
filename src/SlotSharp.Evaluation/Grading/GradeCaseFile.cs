using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Grading;

/// <summary>
/// One case of a grading input file: the object as read (kept whole for the output), its gold and prediction, and
/// the extraction targets and options it sets (null targets: the task's).
/// </summary>
internal sealed record GradeCase(JsonObject Source, string Gold, string Prediction, IReadOnlyList<ExtractionTarget>? GoldTargets,
    IReadOnlyList<ExtractionTarget>? PredictionTargets, GradingOptions Options, bool SympyInput);

/// <summary>
/// Reads grading cases in the format of shared/datasets/math-equivalence/cases.json: a .jsonl file with one object
/// per line, or a .json file holding an array of objects or an object with a "cases" array. Each object has "gold"
/// and "prediction" strings and optional "gold_config"/"pred_config" (config strings, see
/// <see cref="ExtractionTarget.Parse"/>), "options" (float_rounding, numeric_precision, strict,
/// allow_set_relation_comp, extraction_mode, fallback_mode, timeout) and "input_kind" ("text" or "sympy").
/// Errors name the file and the line (or case index) and field at fault.
/// </summary>
internal static class GradeCaseFile
{
    public static IEnumerable<GradeCase> Read(string path, GradingOptions defaults)
    {
        if (!File.Exists(path)) throw new SlotSharpException($"{path}: file not found");
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return ReadLines(path, defaults);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return ReadDocument(path, defaults);
        throw new SlotSharpException($"{path}: expected a .jsonl or .json file");
    }

    static IEnumerable<GradeCase> ReadLines(string path, GradingOptions defaults)
    {
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{lineNumber}";
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException e) { throw new SlotSharpException($"{where}: not valid JSON ({e.Message})"); }
            yield return ToCase(node, where, defaults);
        }
    }

    static IEnumerable<GradeCase> ReadDocument(string path, GradingOptions defaults)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new SlotSharpException($"{path}: not valid JSON ({e.Message})"); }
        var cases = root switch
        {
            JsonArray a => a,
            JsonObject o when o["cases"] is JsonArray a => a,
            _ => throw new SlotSharpException($"{path}: expected an array of cases or an object with a \"cases\" array"),
        };
        return cases.Select((c, i) => ToCase(c, $"{path}: cases[{i}]", defaults)).ToList();
    }

    static GradeCase ToCase(JsonNode? node, string where, GradingOptions defaults)
    {
        if (node is not JsonObject o) throw new SlotSharpException($"{where}: expected a JSON object");
        var kind = OptionalString(o, "input_kind", where) ?? "text";
        if (kind is not ("text" or "sympy")) throw new SlotSharpException($"{where}: field 'input_kind' must be \"text\" or \"sympy\"");
        var (gold, prediction) = (RequiredString(o, "gold", where), RequiredString(o, "prediction", where));
        if (kind == "sympy")
        {
            try { SympyRepr.Parse(gold); SympyRepr.Parse(prediction); }
            catch (SlotSharpException e) { throw new SlotSharpException($"{where}: {e.Message}"); }
        }
        return new GradeCase(o, gold, prediction,
            Targets(o, "gold_config", where), Targets(o, "pred_config", where), Options(o["options"], where, defaults), kind == "sympy");
    }

    static string RequiredString(JsonObject o, string field, string where) =>
        OptionalString(o, field, where) ?? throw new SlotSharpException($"{where}: missing string field '{field}'");

    static string? OptionalString(JsonObject o, string field, string where) => o[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new SlotSharpException($"{where}: field '{field}' must be a string"),
    };

    static IReadOnlyList<ExtractionTarget>? Targets(JsonObject o, string field, string where)
    {
        if (o[field] is null) return null;
        if (o[field] is not JsonArray a) throw new SlotSharpException($"{where}: field '{field}' must be an array of config strings");
        var targets = new List<ExtractionTarget>();
        foreach (var item in a)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var spec)) throw new SlotSharpException($"{where}: field '{field}' must hold strings");
            try { targets.Add(ExtractionTarget.Parse(spec)); }
            catch (SlotSharpException e) { throw new SlotSharpException($"{where}: field '{field}': {e.Message}"); }
        }
        return targets;
    }

    /// <summary>The defaults with the case's "options" applied; unknown keys are errors so typos do not pass silently.</summary>
    public static GradingOptions Options(JsonNode? node, string where, GradingOptions defaults)
    {
        if (node is null) return defaults;
        if (node is not JsonObject o) throw new SlotSharpException($"{where}: field 'options' must be an object");
        var options = defaults;
        foreach (var (key, value) in o)
        {
            var field = $"{where}: options.{key}";
            options = key switch
            {
                "float_rounding" => options with { FloatRounding = Int(value, field, 0, 15) },
                "numeric_precision" => options with { NumericPrecision = Int(value, field, 1, 100) },
                "strict" => options with { Strict = Bool(value, field) },
                "allow_set_relation_comp" => options with { AllowSetRelationComparison = Bool(value, field) },
                "extraction_mode" => options with { ExtractionMode = Choice(value, field, "any_match", "first_match") == 0 ? ExtractionMode.AnyMatch : ExtractionMode.FirstMatch },
                "fallback_mode" => options with { FallbackMode = Choice(value, field, "first_match", "no_fallback") == 0 ? FallbackMode.FirstMatch : FallbackMode.NoFallback },
                "timeout" => options with { TimeoutSeconds = Int(value, field, 1, 3600) },
                _ => throw new SlotSharpException($"{field}: unknown option"),
            };
        }
        return options;
    }

    static int Int(JsonNode? v, string field, int min, int max) =>
        v is JsonValue j && j.TryGetValue<int>(out var i) && i >= min && i <= max ? i : throw new SlotSharpException($"{field}: expected an integer from {min} to {max}");

    static bool Bool(JsonNode? v, string field) =>
        v is JsonValue j && j.TryGetValue<bool>(out var b) ? b : throw new SlotSharpException($"{field}: expected true or false");

    static int Choice(JsonNode? v, string field, params string[] choices) =>
        v is JsonValue j && j.TryGetValue<string>(out var s) && Array.IndexOf(choices, s) is var k and >= 0 ? k
            : throw new SlotSharpException($"{field}: expected one of {string.Join(", ", choices)}");
}
