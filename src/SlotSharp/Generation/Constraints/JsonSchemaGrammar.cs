using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// Compiles a JSON Schema into GBNF whose every sentence is a JSON value the schema accepts. Supported (OpenAI's
/// strict subset and a little more): type (one or a list), properties, required, additionalProperties, items,
/// minItems, maxItems, enum, const, anyOf, $ref into $defs/definitions (recursion included), string minLength,
/// maxLength and pattern; annotations (title, description, default, examples, $schema, $id, $comment, ...) are
/// ignored. Any other keyword is refused by name, never silently dropped: an output that ignored it could be invalid.
/// Properties come out in the schema's order; optional ones may be left out; no undeclared property is ever written
/// (valid whatever additionalProperties says).
/// </summary>
internal sealed class JsonSchemaGrammar
{
    static readonly HashSet<string> Annotations =
    [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly", "$defs", "definitions", "$anchor",
    ];

    static readonly HashSet<string> Supported =
    [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
        "anyOf", "$ref", "minLength", "maxLength", "pattern",
    ];

    readonly JsonNode _root;
    readonly StringBuilder _rules = new();
    readonly Dictionary<string, string> _refs = new(StringComparer.Ordinal);
    int _next;

    JsonSchemaGrammar(JsonNode root) => _root = root;

    public static string ToGbnf(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.Length > GrammarLimits.MaxTextLength) throw new SlotSharpException($"the JSON schema is longer than {GrammarLimits.MaxTextLength} characters");
        JsonNode? root;
        try { root = JsonNode.Parse(schema, documentOptions: new JsonDocumentOptions { MaxDepth = 2 * GrammarLimits.MaxNesting }); }
        catch (JsonException e) { throw new SlotSharpException($"the JSON schema is not valid JSON: {e.Message}", e); }
        if (root == null) throw new SlotSharpException("the JSON schema is null");
        return FromNode(root);
    }

    public static string FromNode(JsonNode root)
    {
        var c = new JsonSchemaGrammar(root);
        string top = c.Visit(root, 0);
        return "root ::= " + top + "\n" + c._rules + JsonGrammar.CommonRules;
    }

    string Rule(string body)
    {
        string name = "s" + (_next++).ToString(CultureInfo.InvariantCulture);
        _rules.Append(name).Append(" ::= ").Append(body).Append('\n');
        if (_rules.Length > GrammarLimits.MaxTextLength) throw new SlotSharpException("the JSON schema compiles to a grammar larger than the limit");
        return name;
    }

    string Visit(JsonNode? schema, int depth)
    {
        if (depth > GrammarLimits.MaxNesting) throw new SlotSharpException($"the JSON schema nests deeper than {GrammarLimits.MaxNesting}");
        if (schema is JsonValue v && v.TryGetValue<bool>(out var b))
        {
            if (b) return "json-value";
            throw new SlotSharpException("the JSON schema 'false' accepts nothing");
        }
        if (schema is not JsonObject obj) throw new SlotSharpException("a JSON schema must be an object or a boolean");
        foreach (var (key, _) in obj)
            if (!Supported.Contains(key) && !Annotations.Contains(key))
                throw new SlotSharpException($"the JSON schema keyword '{key}' is not supported");

        if (obj["$ref"] is { } reference) return Ref(reference, depth);
        if (obj["const"] is var constant && obj.ContainsKey("const")) return Literal(constant);
        if (obj["enum"] is { } enumNode)
        {
            if (enumNode is not JsonArray values || values.Count == 0) throw new SlotSharpException("the JSON schema keyword 'enum' needs a non-empty array");
            return "(" + string.Join(" | ", values.Select(Literal)) + ")";
        }
        if (obj["anyOf"] is { } anyOf)
        {
            if (anyOf is not JsonArray alts || alts.Count == 0) throw new SlotSharpException("the JSON schema keyword 'anyOf' needs a non-empty array");
            if (obj.Any(kv => kv.Key != "anyOf" && Supported.Contains(kv.Key)))
                throw new SlotSharpException("the JSON schema keyword 'anyOf' is supported only without other constraints beside it");
            return Rule(string.Join(" | ", alts.Select(a => Visit(a, depth + 1))));
        }
        var types = Types(obj);
        if (types.Count == 0) return "json-value";
        return types.Count == 1 ? Typed(obj, types[0], depth) : Rule(string.Join(" | ", types.Select(t => Typed(obj, t, depth))));
    }

    static List<string> Types(JsonObject obj)
    {
        var node = obj["type"];
        if (node == null)
        {
            if (obj.ContainsKey("properties") || obj.ContainsKey("additionalProperties")) return ["object"];
            if (obj.ContainsKey("items") || obj.ContainsKey("minItems") || obj.ContainsKey("maxItems")) return ["array"];
            if (obj.ContainsKey("pattern") || obj.ContainsKey("minLength") || obj.ContainsKey("maxLength")) return ["string"];
            return [];
        }
        var list = node is JsonArray a ? a.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null).ToList()
            : node.GetValueKind() == JsonValueKind.String ? [node.GetValue<string>()] : [null];
        if (list.Count == 0 || list.Any(t => t == null)) throw new SlotSharpException("the JSON schema keyword 'type' needs a type name or a list of them");
        return list.Distinct().ToList()!;
    }

    string Typed(JsonObject obj, string type, int depth) => type switch
    {
        "object" => Object(obj, depth),
        "array" => Array(obj, depth),
        "string" => String(obj),
        "number" => "json-number",
        "integer" => "json-int",
        "boolean" => "(\"true\" | \"false\")",
        "null" => "\"null\"",
        _ => throw new SlotSharpException($"the JSON schema type '{type}' is not a JSON Schema type"),
    };

    string Object(JsonObject obj, int depth)
    {
        var properties = obj["properties"] as JsonObject;
        if (obj.ContainsKey("properties") && properties == null) throw new SlotSharpException("the JSON schema keyword 'properties' needs an object");
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (obj["required"] is { } req)
        {
            if (req is not JsonArray names || names.Any(n => n?.GetValueKind() != JsonValueKind.String))
                throw new SlotSharpException("the JSON schema keyword 'required' needs an array of names");
            foreach (var n in names) required.Add(n!.GetValue<string>());
        }
        var additional = obj["additionalProperties"];
        if (properties == null || properties.Count == 0)
        {
            if (required.Count > 0) throw new SlotSharpException("the JSON schema keyword 'required' names properties that 'properties' does not declare");
            bool closed = additional is JsonValue av && av.TryGetValue<bool>(out var open) && !open;
            if (closed) return "(\"{\" json-ws \"}\")";
            // A map: any keys, each value under additionalProperties (any value when it is absent or true).
            string value = additional == null ? "json-value" : Visit(additional, depth + 1);
            return Rule($"\"{{\" json-ws ( json-string json-ws \":\" json-ws {value} json-ws ( \",\" json-ws json-string json-ws \":\" json-ws {value} json-ws )* )? \"}}\"");
        }
        foreach (var name in required)
            if (!properties.ContainsKey(name)) throw new SlotSharpException($"the JSON schema keyword 'required' names '{name}', which 'properties' does not declare");
        var list = properties.Select(kv => (Name: kv.Key, Value: Visit(kv.Value, depth + 1), Required: required.Contains(kv.Key))).ToList();
        // first[i]: properties i.. when none was written yet; rest[i]: when one was (so a comma comes first).
        var first = new string[list.Count + 1];
        var rest = new string[list.Count + 1];
        first[list.Count] = rest[list.Count] = "\"\"";
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var (name, value, isRequired) = list[i];
            string kv = $"{Gbnf.Literal(JsonSerializer.Serialize(name))} json-ws \":\" json-ws {value} json-ws";
            rest[i] = Rule(isRequired ? $"\",\" json-ws {kv} {rest[i + 1]}" : $"\",\" json-ws {kv} {rest[i + 1]} | {rest[i + 1]}");
            first[i] = Rule(isRequired ? $"{kv} {rest[i + 1]}" : $"{kv} {rest[i + 1]} | {first[i + 1]}");
        }
        return Rule($"\"{{\" json-ws {first[0]} \"}}\"");
    }

    string Array(JsonObject obj, int depth)
    {
        if (obj["items"] is JsonArray)
            throw new SlotSharpException("the JSON schema keyword 'items' with a list of schemas (a tuple) is not supported");
        string item = obj.ContainsKey("items") ? Visit(obj["items"], depth + 1) : "json-value";
        int min = Count(obj, "minItems") ?? 0;
        int? max = Count(obj, "maxItems");
        if (max < min) throw new SlotSharpException("the JSON schema's maxItems is below its minItems");
        string one = $"{item} json-ws";
        string more = $"( \",\" json-ws {one} )";
        string Rep(int lo, int? hi) => hi == null ? $"{more}{{{lo},}}" : $"{more}{{{lo},{hi}}}";
        if (max == 0) return "(\"[\" json-ws \"]\")";
        string body = min == 0
            ? $"\"[\" json-ws ( {one} {Rep(0, max - 1)} )? \"]\""
            : $"\"[\" json-ws {one} {Rep(min - 1, max - 1)} \"]\"";
        return Rule(body);
    }

    string String(JsonObject obj)
    {
        int? minLength = Count(obj, "minLength");
        int? maxLength = Count(obj, "maxLength");
        if (obj["pattern"] is { } pattern)
        {
            if (minLength != null || maxLength != null)
                throw new SlotSharpException("the JSON schema keywords 'minLength' and 'maxLength' are not supported together with 'pattern'");
            if (pattern.GetValueKind() != JsonValueKind.String) throw new SlotSharpException("the JSON schema keyword 'pattern' needs a string");
            return Rule("\"\\\"\" " + RegexGrammar.ToGbnf(pattern.GetValue<string>(), jsonString: true) + " \"\\\"\"");
        }
        if (minLength == null && maxLength == null) return "json-string";
        int lo = minLength ?? 0;
        if (maxLength < lo) throw new SlotSharpException("the JSON schema's maxLength is below its minLength");
        // Length counts characters of the decoded string; json-char is one character (an escape decodes to one), except
        // that a character above U+FFFF counts as 2 in some validators and 1 in others: those are left out here.
        string range = maxLength == null ? $"{{{lo},}}" : $"{{{lo},{maxLength}}}";
        return Rule($"\"\\\"\" json-bmp-char{range} \"\\\"\"");
    }

    static int? Count(JsonObject obj, string key)
    {
        if (obj[key] is not { } node) return null;
        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<double>(out var d) || d < 0 || d != Math.Floor(d))
            throw new SlotSharpException($"the JSON schema keyword '{key}' needs a non-negative integer");
        if (d > GrammarLimits.MaxRepetition) throw new SlotSharpException($"the JSON schema keyword '{key}' is above {GrammarLimits.MaxRepetition}, the largest supported");
        return (int)d;
    }

    string Literal(JsonNode? value) => Gbnf.Literal(value?.ToJsonString() ?? "null");

    string Ref(JsonNode reference, int depth)
    {
        if (reference.GetValueKind() != JsonValueKind.String) throw new SlotSharpException("the JSON schema keyword '$ref' needs a string");
        string path = reference.GetValue<string>();
        if (_refs.TryGetValue(path, out var name)) return name;
        if (!path.StartsWith('#')) throw new SlotSharpException($"the JSON schema's $ref '{path}' is not local to the schema; only '#...' references are supported");
        JsonNode? target = _root;
        foreach (var raw in path[1..].Split('/', StringSplitOptions.None).Skip(1))
        {
            string part = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            target = target switch
            {
                JsonObject o when o.TryGetPropertyValue(part, out var child) => child,
                JsonArray a when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new SlotSharpException($"the JSON schema's $ref '{path}' points at nothing"),
            };
        }
        // The rule's name is reserved before its body is compiled, so a recursive schema refers to itself.
        name = "r" + (_next++).ToString(CultureInfo.InvariantCulture);
        _refs[path] = name;
        string body = Visit(target, depth + 1);
        _rules.Append(name).Append(" ::= ").Append(body).Append('\n');
        return name;
    }
}
