namespace SlotSharp.Generation.Constraints;

/// <summary>
/// The JSON grammar pieces every JSON constraint uses (RFC 8259), written for decoding rather than parsing: whitespace
/// between tokens is at most a newline and 20 spaces or tabs (as llama.cpp's and xgrammar's JSON grammars bound it),
/// numbers have at most 16 integer digits, 16 fraction digits and a 2-digit exponent, and \u escapes never name a
/// lone surrogate, so a model cannot ramble in whitespace or digits, and every output parses.
/// </summary>
internal static class JsonGrammar
{
    /// <summary>Rules shared by the JSON constraints (names start with "json-" so a schema's rules cannot clash).</summary>
    public const string CommonRules = """
        json-ws ::= | " " | "\n" [ \t]{0,20}
        json-value ::= json-object | json-array | json-string | json-number | "true" | "false" | "null"
        json-object ::= "{" json-ws ( json-string json-ws ":" json-ws json-value json-ws ( "," json-ws json-string json-ws ":" json-ws json-value json-ws )* )? "}"
        json-array ::= "[" json-ws ( json-value json-ws ( "," json-ws json-value json-ws )* )? "]"
        json-string ::= "\"" json-char* "\""
        json-char ::= [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" json-u4 )
        json-bmp-char ::= [^"\\\x00-\x1F\U00010000-\U0010FFFF] | "\\" ( ["\\/bfnrt] | "u" json-u4 )
        json-u4 ::= [0-9a-cA-Ce-fE-F] json-hex json-hex json-hex | [dD] [0-7] json-hex json-hex
        json-hex ::= [0-9a-fA-F]
        json-int ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
        json-number ::= json-int ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,2} )?

        """;

    public const string ObjectGbnf = "root ::= json-object\n" + CommonRules;
}
