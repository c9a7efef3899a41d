using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Server;

/// <summary>
/// The output constraint of a request (structured outputs), from whichever of these it uses (at most one):
/// OpenAI's response_format (text, json_object, json_schema with strict), vLLM's structured_outputs object and its
/// older guided_json / guided_regex / guided_choice / guided_grammar fields, and llama.cpp's server's json_schema and
/// grammar. A schema, grammar or pattern the compiler refuses is a 400 naming the field (and the keyword).
/// </summary>
internal static class ConstraintFields
{
    public static OutputConstraint? Parse(BodyFields f)
    {
        var found = new List<(string Field, Func<OutputConstraint> Build)>();
        if (f.Object("response_format") is { } format) ResponseFormat(format, found);
        if (f.Object("structured_outputs") is { } so) StructuredOutputs(so, found);
        if (f.Has("guided_json")) found.Add(("guided_json", Schema(f, "guided_json")));
        if (f.String("guided_regex") is { } regex) found.Add(("guided_regex", () => OutputConstraint.Regex(regex)));
        if (Choices(f, "guided_choice") is { } choices) found.Add(("guided_choice", () => OutputConstraint.Choice(choices)));
        if (f.String("guided_grammar") is { } grammar) found.Add(("guided_grammar", () => OutputConstraint.Grammar(grammar)));
        // vLLM picks its backend by this; there is one here.
        f.String("guided_decoding_backend");
        f.Require(f["guided_whitespace_pattern"] == null, "guided_whitespace_pattern", "absent (JSON whitespace is a bounded built-in)");
        // llama.cpp's server.
        if (f.Has("json_schema")) found.Add(("json_schema", Schema(f, "json_schema")));
        if (f.String("grammar") is { } gbnf) found.Add(("grammar", () => OutputConstraint.Grammar(gbnf)));

        if (found.Count == 0) return null;
        if (found.Count > 1)
            throw ApiError.BadRequest($"a request takes one output constraint; this one gives {string.Join(" and ", found.Select(x => $"'{x.Field}'"))}", found[1].Field);
        var (field, build) = found[0];
        try { return build(); }
        catch (SlotSharpException e) { throw ApiError.BadRequest($"'{field}': {e.Message}", field); }
    }

    static void ResponseFormat(BodyFields format, List<(string, Func<OutputConstraint>)> found)
    {
        string? type = format.String("type");
        switch (type)
        {
            case "text": return;
            case "json_object":
                found.Add(("response_format", OutputConstraint.JsonObject));
                return;
            case "json_schema":
                var js = format.Object("json_schema") ?? throw ApiError.BadRequest("'response_format.json_schema' is required with type json_schema", "response_format");
                js.String("name");
                js.String("description");
                // strict asks for exact adherence; constrained decoding always adheres, so both values are served.
                js.Bool("strict");
                found.Add(("response_format", js.Has("schema") ? Schema(js, "schema") : OutputConstraint.JsonObject));
                return;
            default:
                throw ApiError.BadRequest($"'response_format.type' must be text, json_object or json_schema, got '{type}'", "response_format");
        }
    }

    static void StructuredOutputs(BodyFields so, List<(string, Func<OutputConstraint>)> found)
    {
        var inner = new List<(string, Func<OutputConstraint>)>();
        if (so.Has("json")) inner.Add(("structured_outputs", Schema(so, "json")));
        if (so.String("regex") is { } regex) inner.Add(("structured_outputs", () => OutputConstraint.Regex(regex)));
        if (Choices(so, "choice") is { } choices) inner.Add(("structured_outputs", () => OutputConstraint.Choice(choices)));
        if (so.String("grammar") is { } grammar) inner.Add(("structured_outputs", () => OutputConstraint.Grammar(grammar)));
        if (so.Bool("json_object") == true) inner.Add(("structured_outputs", OutputConstraint.JsonObject));
        so.Require(so["whitespace_pattern"] == null, "whitespace_pattern", "absent (JSON whitespace is a bounded built-in)");
        so.Require(so["structural_tag"] == null, "structural_tag", "absent");
        if (inner.Count > 1) throw ApiError.BadRequest("'structured_outputs' takes one of json, regex, choice, grammar and json_object", "structured_outputs");
        found.AddRange(inner);
    }

    /// <summary>A schema given as an object (or true), or as a string holding one (vLLM accepts both).</summary>
    static Func<OutputConstraint> Schema(BodyFields f, string name)
    {
        var node = f[name];
        f.Accept(name);
        string text = node switch
        {
            JsonObject o => o.ToJsonString(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => BodyFields.Text(v, f.NameOf(name), "a JSON schema"),
            JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
            _ => throw f.Wrong(name, "a JSON schema (an object, or a string holding one)"),
        };
        return () => OutputConstraint.JsonSchema(text);
    }

    static List<string>? Choices(BodyFields f, string name)
    {
        if (f.Array(name) is not { } list) return null;
        return [.. list.Select((x, i) => BodyFields.Text(x, $"{f.NameOf(name)}[{i}]", "a string"))];
    }
}
