using SlotSharp.Tokenization;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// What a generation's text must be, enforced while decoding (structured outputs): at each step only tokens that keep
/// the text a prefix of the language are allowed, and end-of-sequence only where it is complete. Built from JSON mode,
/// a JSON Schema, a GBNF grammar (llama.cpp's syntax), a regular expression or a list of choices; each factory
/// compiles it once and refuses what it does not support, or what exceeds its size limits, with a
/// <see cref="SlotSharpException"/> naming it. Immutable and reusable: every sequence that decodes under it keeps its
/// own position in the grammar, while what was computed about the grammar (transitions, token masks) is shared.
/// </summary>
public sealed class OutputConstraint
{
    OutputConstraint(string kind, GrammarDef grammar)
    {
        Kind = kind;
        Automaton = new GrammarAutomaton(ByteGrammar.Lower(grammar));
    }

    /// <summary>"json", "json_schema", "grammar", "regex" or "choice".</summary>
    public string Kind { get; }

    internal GrammarAutomaton Automaton { get; }

    /// <summary>Any JSON object (OpenAI's json_object), with whitespace between tokens bounded.</summary>
    public static OutputConstraint JsonObject() => Cached("json", "", () => GbnfParser.Parse(JsonGrammar.ObjectGbnf));

    /// <summary>A JSON value valid under <paramref name="schema"/> (a JSON Schema document; see docs/structured-outputs.md for the keywords).</summary>
    public static OutputConstraint JsonSchema(string schema) =>
        Cached("json_schema", schema ?? throw new ArgumentNullException(nameof(schema)), () => GbnfParser.Parse(JsonSchemaGrammar.ToGbnf(schema)));

    /// <summary>Text in the language of a GBNF grammar (llama.cpp's syntax; the rule "root" is the start).</summary>
    public static OutputConstraint Grammar(string gbnf) =>
        Cached("grammar", gbnf ?? throw new ArgumentNullException(nameof(gbnf)), () => GbnfParser.Parse(gbnf));

    /// <summary>Text that the regular expression matches as a whole (vLLM's guided_regex).</summary>
    public static OutputConstraint Regex(string pattern) => Cached("regex", pattern ?? throw new ArgumentNullException(nameof(pattern)),
        () => GbnfParser.Parse("root ::= " + RegexGrammar.ToGbnf(pattern, jsonString: false) + "\n"));

    /// <summary>
    /// The most recently used constraints, by kind and text: requests that repeat a schema (a server's clients
    /// mostly do) share one compiled grammar, and with it every transition and token mask already computed, instead of
    /// meeting a cold grammar each time. Compiling twice on a race is harmless (the later one is kept).
    /// </summary>
    const int CacheSize = 16;
    static readonly LinkedList<(string Kind, string Text, OutputConstraint Value)> Recent = new();

    static OutputConstraint Cached(string kind, string text, Func<GrammarDef> parse)
    {
        lock (Recent)
        {
            for (var node = Recent.First; node != null; node = node.Next)
                if (node.Value.Kind == kind && node.Value.Text == text)
                {
                    Recent.Remove(node);
                    Recent.AddFirst(node);
                    return node.Value.Value;
                }
        }
        var compiled = new OutputConstraint(kind, parse());
        lock (Recent)
        {
            Recent.AddFirst((kind, text, compiled));
            while (Recent.Count > CacheSize) Recent.RemoveLast();
        }
        return compiled;
    }

    /// <summary>Exactly one of <paramref name="choices"/> (vLLM's guided_choice).</summary>
    public static OutputConstraint Choice(IEnumerable<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var list = choices.ToList();
        if (list.Count == 0) throw new SlotSharpException("a choice constraint needs at least one choice");
        if (list.Any(c => c == null)) throw new SlotSharpException("a choice is null");
        if (list.Sum(c => c.Length) > GrammarLimits.MaxTextLength) throw new SlotSharpException($"the choices hold more than {GrammarLimits.MaxTextLength} characters");
        string gbnf = "root ::= " + string.Join(" | ", list.Select(Gbnf.Literal)) + "\n";
        return Cached("choice", gbnf, () => GbnfParser.Parse(gbnf));
    }

    internal GrammarMatcher NewMatcher(ITokenizer tokenizer) => new(this, tokenizer);
}
