using System.Text.Json;
using System.Text.RegularExpressions;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>
/// The languages the constraints accept, against independent oracles: System.Text.Json for JSON, .NET's regex engine
/// for patterns, the literal list for choices.
/// </summary>
public class GrammarLanguageTests
{
    public static TheoryData<string> JsonTexts => new()
    {
        "{}", "{ }", "{\"a\":1}", "{\"a\": [1, 2.5, -3e10, true, false, null, \"x\"]}", "{\"k\":{\"n\":{}}}",
        "{\"s\":\"\\u00e9\\n\\\"\\\\ é 😀\"}", "{\n  \"a\": 0.25\n}", "{\"a\":-0}", "[]", "1", "\"s\"", "{\"a\":01}",
        "{\"a\":1,}", "{'a':1}", "{\"a\":1", "{\"a\" 1}", "{\"a\":.5}", "{\"a\":1.}", "{\"a\":\"\t\"}", "{\"a\":tru}",
        "{\"a\":\"\\x\"}", " {}", "{} ", "{\"a\":1}{}", "{\"a\":[1,]}",
    };

    [SkippableTheory]
    [MemberData(nameof(JsonTexts))]
    public void JsonModeAcceptsExactlyTheObjectsSystemTextJsonParses(string text)
    {
        bool parses;
        try
        {
            using var doc = JsonDocument.Parse(text);
            parses = doc.RootElement.ValueKind == JsonValueKind.Object && text.TrimStart() == text && text.TrimEnd() == text;
        }
        catch (JsonException) { parses = false; }
        Assert.Equal(parses, ConstraintText.Accepts(OutputConstraint.JsonObject(), text));
    }

    [SkippableFact]
    public void JsonWhitespaceAndDigitsAreBounded()
    {
        var json = OutputConstraint.JsonObject();
        Assert.True(ConstraintText.Accepts(json, "{\n" + new string(' ', 20) + "}"));
        Assert.False(ConstraintText.IsPrefix(json, "{\n" + new string(' ', 21)));
        Assert.False(ConstraintText.IsPrefix(json, "{  "));
        Assert.True(ConstraintText.Accepts(json, "{\"a\":" + new string('9', 16) + "}"));
        Assert.False(ConstraintText.IsPrefix(json, "{\"a\":" + new string('9', 17)));
        // A lone surrogate escape would not decode; a pair is written as the character itself.
        Assert.False(ConstraintText.IsPrefix(json, "{\"a\":\"\\ud800"));
    }

    public static TheoryData<string, string> RegexCases => new()
    {
        { @"\d{3}-\d{4}", "555-1234" }, { @"\d{3}-\d{4}", "5551234" }, { @"\d{3}-\d{4}", "555-12345" },
        { "[a-c]+(x|yz)?", "abcabc" }, { "[a-c]+(x|yz)?", "ayz" }, { "[a-c]+(x|yz)?", "ay" }, { "[a-c]+(x|yz)?", "" },
        { "^(?:ab)*$", "ababab" }, { "^(?:ab)*$", "aba" }, { @"[^\s]+\.txt", "notes.txt" }, { @"[^\s]+\.txt", "my notes.txt" },
        { @"\w+@\w+\.(com|org)", "me@example.org" }, { @"\w+@\w+\.(com|org)", "me@example.net" }, { "a{2,3}b?", "aaa" },
        { "a{2,3}b?", "aaaa" }, { "a{2,}", "aaaaaaaa" }, { "a{2,}", "a" }, { "(red|green|blue)", "green" }, { ".+", "é😀" },
        { ".+", "a\nb" }, { @"[\u00e0-\u00ff]x", "éx" }, { @"[\u00e0-\u00ff]x", "ax" }, { @"-?\d+(\.\d+)?", "-12.50" },
    };

    [SkippableTheory]
    [MemberData(nameof(RegexCases))]
    public void RegexConstraintMatchesWhatDotNetRegexMatchesWhole(string pattern, string text)
    {
        bool expected = Regex.IsMatch(text, "^(?:" + pattern.TrimStart('^').TrimEnd('$') + ")$", RegexOptions.ECMAScript);
        Assert.Equal(expected, ConstraintText.Accepts(OutputConstraint.Regex(pattern), text));
    }

    [SkippableFact]
    public void ChoiceAcceptsOnlyItsChoices()
    {
        var c = OutputConstraint.Choice(["yes", "no", "not sure", "ñ"]);
        foreach (var s in new[] { "yes", "no", "not sure", "ñ" }) Assert.True(ConstraintText.Accepts(c, s), s);
        foreach (var s in new[] { "ye", "yes ", "No", "not", "" }) Assert.False(ConstraintText.Accepts(c, s), s);
    }

    [SkippableTheory]
    [InlineData("root ::= \"a\" root2\nroot2 ::= root2 \"b\" | \"c\"\n", "left-recursive")]
    [InlineData("root ::= x{5000}\nx ::= \"a\"\n", "more than 2000")]
    [InlineData("root ::= undefined-rule\n", "does not define")]
    [InlineData("root ::= [a-z\n", "unexpected end")]
    [InlineData("other ::= \"a\"\n", "no 'root' rule")]
    [InlineData("root ::= <[1000]>\n", "token references")]
    public void BadOrHostileGrammarsAreRefusedByName(string gbnf, string expected)
    {
        var e = Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar(gbnf));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ExponentialRepetitionIsRefusedQuickly()
    {
        // Nested bounded repetitions multiply: 2000 x 2000 x ... copies would exhaust memory if expanded.
        var started = DateTime.UtcNow;
        Assert.Throws<SlotSharpException>(() => OutputConstraint.Grammar("root ::= ((((\"a\"{0,2000}){0,2000}){0,2000}){0,2000})\n"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Throws<SlotSharpException>(() => OutputConstraint.JsonSchema(new string('[', 100_000)));
        Assert.Throws<SlotSharpException>(() => OutputConstraint.Regex(new string('(', 1000) + new string(')', 1000)));
    }

    [SkippableFact]
    public void AnAmbiguousGrammarFailsItsMaskInBoundedTimeInsteadOfHanging()
    {
        // 12 interchangeable ways to spell each character: the open parses multiply by 12 per byte, up to the stack cap.
        string alternatives = string.Join(" | ", Enumerable.Range(0, 12).Select(_ => "[a-z]"));
        var constraint = OutputConstraint.Grammar($"root ::= x*\nx ::= ({alternatives}) ({alternatives})\n");
        var tokenizer = SlotSharp.Tokenization.TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        var started = DateTime.UtcNow;
        try { constraint.NewMatcher(tokenizer).Mask(); }
        catch (SlotSharpException e) { Assert.Matches("too ambiguous|too complex", e.Message); }
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the mask must end or be refused promptly");
    }
}
