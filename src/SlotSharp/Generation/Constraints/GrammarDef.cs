namespace SlotSharp.Generation.Constraints;

/// <summary>One grammar symbol: a reference to a rule, or one character from a set.</summary>
internal readonly record struct Sym(int Rule, CodePointRanges? Chars)
{
    public bool IsRef => Chars == null;
    public static Sym Ref(int rule) => new(rule, null);
    public static Sym Of(CodePointRanges chars) => new(-1, chars);
}

/// <summary>
/// A context-free grammar over characters, as a GBNF text parses to: each rule is a list of alternatives, each a
/// sequence of symbols (an empty sequence matches the empty string). Repetitions and groups are already rules.
/// </summary>
internal sealed class GrammarDef
{
    public List<string> Names { get; } = [];
    public List<List<List<Sym>>?> Rules { get; } = [];
    public int Root { get; set; } = -1;

    public int SymbolCount => Rules.Sum(r => r?.Sum(a => a.Count + 1) ?? 0);
}

/// <summary>Bounds on what a grammar may cost to compile and run, so that a hostile schema or grammar is refused.</summary>
internal static class GrammarLimits
{
    /// <summary>Longest grammar, schema, regex or choice text accepted (characters).</summary>
    public const int MaxTextLength = 1 << 20;
    public const int MaxRules = 20_000;
    /// <summary>Symbols after repetitions are expanded (a {m,n} costs about n copies of what it repeats).</summary>
    public const int MaxSymbols = 400_000;
    /// <summary>Largest m or n of a {m,n} repetition, as llama.cpp bounds it.</summary>
    public const int MaxRepetition = 2000;
    /// <summary>Deepest nesting of groups, schemas or regex groups.</summary>
    public const int MaxNesting = 64;
    /// <summary>Most parse stacks one matcher state may hold (an ambiguous grammar multiplies them).</summary>
    public const int MaxStacks = 4096;
    /// <summary>Most parse-stack expansions one token mask may take (well under a second; a JSON Schema's take thousands).</summary>
    public const long MaxMaskWork = 20_000_000;
}
