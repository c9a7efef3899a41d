using System.Text.Json.Nodes;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>
/// llama.cpp's own grammar tests, as the matcher's oracle: the cases of tests/test-grammar-integration.cpp and
/// tests/test-grammar-parser.cpp at commit c392e5094deaf2d1a7c18683214f007fad3fe42b, extracted as data
/// (llama_grammar_cases.json). Every GBNF case must accept its passing strings and reject its failing ones; every
/// grammar the parser test parses must parse, and every one it refuses must be refused. The JSON Schema cases go
/// through this compiler instead of llama.cpp's: a schema it supports must reject every failing string (an invalid
/// value must never be generated) and accept the passing ones.
/// </summary>
public class LlamaGrammarCaseTests
{
    static readonly JsonObject Cases = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory,
        "Generation", "Constraints", "llama_grammar_cases.json")))!.AsObject();

    static IEnumerable<JsonObject> Integration(string kind) =>
        Cases["integration"]!.AsArray().Select(c => c!.AsObject()).Where(c => (string?)c["kind"] == kind);

    // Numbered as well as named: llama.cpp's files reuse a few names, and xunit would run only one case of each.
    public static TheoryData<int, string> GrammarNames => Numbered("grammar");
    public static TheoryData<int, string> SchemaNames => Numbered("schema");

    static TheoryData<int, string> Numbered(string kind)
    {
        var data = new TheoryData<int, string>();
        foreach (var (c, i) in Integration(kind).Select((c, i) => (c, i))) data.Add(i, (string)c["name"]!);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(GrammarNames))]
    public void GbnfCaseAcceptsItsPassingStringsAndRejectsItsFailingOnes(int index, string name)
    {
        var c = Integration("grammar").ElementAt(index);
        string text = (string)c["text"]!;
        if (text.Contains("<[", StringComparison.Ordinal) || text.Contains("<|", StringComparison.Ordinal))
        {
            // Token references name vocabulary ids: refused by name here (the grammar is matched on text).
            Assert.Contains("token references", Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar(text)).Message, StringComparison.Ordinal);
            return;
        }
        var grammar = OutputConstraint.Grammar(text);
        foreach (var s in c["passing"]!.AsArray()) Assert.True(ConstraintText.Accepts(grammar, (string)s!), $"{name}: should accept {s}");
        foreach (var s in c["failing"]!.AsArray()) Assert.False(ConstraintText.Accepts(grammar, (string)s!), $"{name}: should reject {s}");
    }

    /// <summary>
    /// Cases whose passing strings hold a property the schema does not declare: this compiler never writes one (valid
    /// whatever additionalProperties allows), so it accepts fewer texts than llama.cpp's there, never an invalid one.
    /// </summary>
    static readonly HashSet<string> WritesOnlyDeclaredProperties =
    [
        "additional properties can't override other properties", "object properties, additionalProperties: true",
    ];

    [SkippableTheory]
    [MemberData(nameof(SchemaNames))]
    public void SchemaCaseAcceptsOnlyWhatJsonSchemaNetValidates(int index, string name)
    {
        var c = Integration("schema").ElementAt(index);
        string text = (string)c["text"]!;
        OutputConstraint schema;
        try { schema = OutputConstraint.JsonSchema(text); }
        catch (SlotSharpException e)
        {
            // Refused: it must say which keyword, and then no output is ever produced under it.
            Assert.Matches("keyword '[^']+'", e.Message);
            return;
        }
        // The oracle is JsonSchema.Net, not llama.cpp's list: "{}" accepts any JSON value in JSON Schema, where
        // llama.cpp's test reads it as any object.
        var validator = Json.Schema.JsonSchema.FromText(text);
        bool Valid(string s)
        {
            try { using var doc = System.Text.Json.JsonDocument.Parse(s); return validator.Evaluate(doc.RootElement).IsValid; }
            catch (System.Text.Json.JsonException) { return false; }
        }
        foreach (var s in c["passing"]!.AsArray().Concat(c["failing"]!.AsArray()).Select(x => (string)x!))
            if (ConstraintText.Accepts(schema, s)) Assert.True(Valid(s), $"{name}: accepts {s}, which JsonSchema.Net finds invalid");
        if (WritesOnlyDeclaredProperties.Contains(name)) return;
        foreach (var s in c["passing"]!.AsArray().Select(x => (string)x!))
            Assert.True(ConstraintText.Accepts(schema, s) || !Valid(s), $"{name}: should accept {s}");
    }

    [SkippableFact]
    public void ParserCasesParseAndItsRefusedOnesAreRefused()
    {
        foreach (var g in Cases["parser_valid"]!.AsArray().Select(x => (string)x!))
        {
            if (g.Contains("<[", StringComparison.Ordinal) || g.Contains("<|", StringComparison.Ordinal))
                Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar(g)); // token references: refused by name
            else OutputConstraint.Grammar(g);
        }
        foreach (var g in Cases["parser_invalid"]!.AsArray()) Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar((string)g!));
    }

    [SkippableTheory]
    // test_failure_left_recursion, test_failure_missing_reference and test_failure_missing_root of the same file.
    [InlineData("root ::= \"a\" | root \"a\"")]
    [InlineData("root ::= asdf\nasdf ::= \"a\" | asdf \"a\"\n")]
    [InlineData("root ::= asdf\nasdf ::= \"a\" | foo \"b\"\nfoo ::= \"c\" | asdf \"d\" | \"e\"")]
    [InlineData("root ::= asdf\nasdf ::= \"a\" | foo \"b\"\nfoo ::= \"c\" | empty asdf \"d\" | \"e\"\nempty ::= \"blah\" | ")]
    [InlineData("root ::= expr\nexpr ::= term (\"+\" term)*\nterm ::= numero\nnumber ::= [0-9]+")]
    [InlineData("rot ::= expr\nexpr ::= term (\"+\" term)*\nterm ::= number\nnumber ::= [0-9]+")]
    public void LlamaCppsRefusedGrammarsAreRefused(string gbnf) => Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar(gbnf));
}
