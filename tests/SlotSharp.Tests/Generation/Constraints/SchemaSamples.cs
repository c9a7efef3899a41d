namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>JSON Schemas that together use every supported keyword, for the sampled-validity tests.</summary>
internal static class SchemaSamples
{
    public const string Person = """
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "maxLength": 12, "description": "annotations are ignored" },
            "age": { "type": "integer" },
            "email": { "type": "string", "pattern": "^[a-z]{1,8}@[a-z]{1,8}\\.(com|org)$" },
            "tags": { "type": "array", "items": { "enum": ["a", "b", "c d"] }, "minItems": 1, "maxItems": 3 },
            "active": { "type": "boolean" },
            "nickname": { "anyOf": [ { "type": "string", "minLength": 2, "maxLength": 5 }, { "type": "null" } ] },
            "score": { "type": "number" }
          },
          "required": ["name", "age", "active"],
          "additionalProperties": false
        }
        """;

    public const string Tree = """
        {
          "$defs": {
            "node": {
              "type": "object",
              "properties": {
                "value": { "type": ["integer", "null"] },
                "children": { "type": "array", "items": { "$ref": "#/$defs/node" }, "maxItems": 2 }
              },
              "required": ["value", "children"],
              "additionalProperties": false
            }
          },
          "$ref": "#/$defs/node"
        }
        """;

    public const string Mixed = """
        {
          "type": "object",
          "properties": {
            "kind": { "const": "event" },
            "level": { "enum": [1, 2.5, "high", null, true, {"x": [1]}] },
            "counts": { "type": "object", "additionalProperties": { "type": "integer" }, "description": "a map" },
            "empty": { "type": "object", "additionalProperties": false },
            "anything": {},
            "pair": { "type": "array", "items": { "type": "string", "maxLength": 3 }, "minItems": 2, "maxItems": 2 },
            "code": { "type": "string", "pattern": "^[A-Z]{2}-\\d{3}$" }
          },
          "required": ["kind", "level", "counts", "empty", "pair", "code"],
          "additionalProperties": false
        }
        """;

    public const string Strict = """
        {
          "type": "object",
          "properties": {
            "answer": { "type": "string", "maxLength": 20 },
            "confidence": { "type": "number" },
            "sources": { "type": "array", "items": { "type": "string", "maxLength": 10 }, "maxItems": 2 }
          },
          "required": ["answer", "confidence", "sources"],
          "additionalProperties": false
        }
        """;

    public static IEnumerable<(string Name, string Schema)> All =>
        [("person", Person), ("tree", Tree), ("mixed", Mixed), ("strict", Strict)];
}
