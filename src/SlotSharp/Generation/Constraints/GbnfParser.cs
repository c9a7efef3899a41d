using System.Globalization;
using System.Text;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// Parses llama.cpp's GBNF (grammars/README.md): <c>name ::= alternatives</c> rules, "literals", [character classes]
/// with ranges and ^ negation, ".", ( groups ), the repetitions * + ? {m} {m,} {m,n}, # comments; the rule "root" is
/// the start. A rule ends at the end of its line except inside parentheses. llama.cpp's token references (&lt;...&gt;)
/// are not supported (the grammar is matched on text, independent of the vocabulary).
/// </summary>
internal sealed class GbnfParser
{
    readonly string _src;
    int _pos;
    readonly GrammarDef _g = new();
    readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    int _symbols;

    GbnfParser(string src) => _src = src;

    public static GrammarDef Parse(string text, string rootName = "root")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > GrammarLimits.MaxTextLength)
            throw new SlotSharpException($"the grammar is {text.Length} characters long; at most {GrammarLimits.MaxTextLength} are accepted");
        var p = new GbnfParser(text);
        p.ParseAll();
        var g = p._g;
        if (!p._ids.TryGetValue(rootName, out var root)) throw new SlotSharpException($"the grammar has no '{rootName}' rule");
        for (int i = 0; i < g.Rules.Count; i++)
            if (g.Rules[i] == null) throw new SlotSharpException($"the grammar uses the rule '{g.Names[i]}' but does not define it");
        g.Root = root;
        return g;
    }

    void ParseAll()
    {
        SkipSpace(true);
        while (_pos < _src.Length)
        {
            string name = ParseName();
            int id = Id(name);
            SkipSpace(false);
            if (!At("::=")) throw Error("expecting ::=");
            _pos += 3;
            SkipSpace(true);
            _g.Rules[id] = ParseAlternates(name, 0);
            if (_pos < _src.Length)
            {
                if (_src[_pos] == '\r') _pos += At("\r\n") ? 2 : 1;
                else if (_src[_pos] == '\n') _pos++;
                else throw Error("expecting newline or end");
            }
            SkipSpace(true);
        }
    }

    List<List<Sym>> ParseAlternates(string ruleName, int depth)
    {
        if (depth > GrammarLimits.MaxNesting) throw new SlotSharpException($"the grammar nests groups deeper than {GrammarLimits.MaxNesting}");
        var alts = new List<List<Sym>> { ParseSequence(ruleName, depth) };
        while (_pos < _src.Length && _src[_pos] == '|')
        {
            _pos++;
            SkipSpace(true);
            alts.Add(ParseSequence(ruleName, depth));
        }
        return alts;
    }

    List<Sym> ParseSequence(string ruleName, int depth)
    {
        bool nested = depth > 0;
        var seq = new List<Sym>();
        int lastStart = -1;
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c == '"')
            {
                _pos++;
                lastStart = seq.Count;
                while (true)
                {
                    if (_pos >= _src.Length) throw Error("unexpected end of input in a literal");
                    if (_src[_pos] == '"') break;
                    Add(seq, Sym.Of(CodePointRanges.Single(ParseChar())));
                }
                _pos++;
                SkipSpace(nested);
            }
            else if (c == '[')
            {
                _pos++;
                bool negated = _pos < _src.Length && _src[_pos] == '^';
                if (negated) _pos++;
                var ranges = new List<(int, int)>();
                while (true)
                {
                    if (_pos >= _src.Length) throw Error("unexpected end of input in a character class");
                    if (_src[_pos] == ']') break;
                    int lo = ParseChar(), hi = lo;
                    if (_pos + 1 < _src.Length && _src[_pos] == '-' && _src[_pos + 1] != ']')
                    {
                        _pos++;
                        hi = ParseChar();
                    }
                    ranges.Add((lo, hi));
                }
                _pos++;
                var set = new CodePointRanges(ranges);
                lastStart = seq.Count;
                Add(seq, Sym.Of(negated ? set.Complement() : set));
                SkipSpace(nested);
            }
            else if (c == '<' || c == '!')
                throw Error("token references (<...>) are not supported");
            else if (IsWordChar(c))
            {
                string name = ParseName();
                lastStart = seq.Count;
                Add(seq, Sym.Ref(Id(name)));
                SkipSpace(nested);
            }
            else if (c == '(')
            {
                _pos++;
                SkipSpace(true);
                int sub = NewRule(ruleName);
                _g.Rules[sub] = ParseAlternates(ruleName, depth + 1);
                if (_pos >= _src.Length || _src[_pos] != ')') throw Error("expecting ')'");
                _pos++;
                lastStart = seq.Count;
                Add(seq, Sym.Ref(sub));
                SkipSpace(nested);
            }
            else if (c == '.')
            {
                _pos++;
                lastStart = seq.Count;
                Add(seq, Sym.Of(CodePointRanges.All));
                SkipSpace(nested);
            }
            else if (c is '*' or '+' or '?' or '{')
            {
                if (lastStart < 0) throw Error("expecting something before the repetition");
                int min, max;
                _pos++;
                SkipSpace(nested);
                if (c == '*') (min, max) = (0, -1);
                else if (c == '+') (min, max) = (1, -1);
                else if (c == '?') (min, max) = (0, 1);
                else
                {
                    min = ParseInt();
                    SkipSpace(nested);
                    if (_pos < _src.Length && _src[_pos] == '}') max = min;
                    else if (_pos < _src.Length && _src[_pos] == ',')
                    {
                        _pos++;
                        SkipSpace(nested);
                        max = _pos < _src.Length && char.IsAsciiDigit(_src[_pos]) ? ParseInt() : -1;
                        SkipSpace(nested);
                        if (_pos >= _src.Length || _src[_pos] != '}') throw Error("expecting '}'");
                    }
                    else throw Error("expecting ','");
                    _pos++;
                    SkipSpace(nested);
                    if (max >= 0 && max < min) throw Error($"the repetition {{{min},{max}}} has its maximum below its minimum");
                }
                Repeat(seq, lastStart, min, max, ruleName);
                lastStart = -1;
            }
            else break;
        }
        return seq;
    }

    /// <summary>Replaces seq[start..] by min copies of it followed by a rule for the optional rest.</summary>
    void Repeat(List<Sym> seq, int start, int min, int max, string ruleName)
    {
        if (min > GrammarLimits.MaxRepetition || max > GrammarLimits.MaxRepetition)
            throw new SlotSharpException($"the grammar repeats something more than {GrammarLimits.MaxRepetition} times");
        var item = seq.GetRange(start, seq.Count - start);
        seq.RemoveRange(start, seq.Count - start);
        for (int i = 0; i < min; i++) foreach (var s in item) Add(seq, s);
        if (max == min) return;
        if (max < 0)
        {
            // x* as star ::= x star | "" : the recursive call is last, so matching never deepens the stack.
            int star = NewRule(ruleName);
            _g.Rules[star] = [[.. item, Sym.Ref(star)], []];
            _symbols += item.Count + 1;
            Add(seq, Sym.Ref(star));
            return;
        }
        // x{0,k} as opt_k ::= x opt_(k-1) | "", innermost first: O(k) symbols, not O(k^2).
        int inner = -1;
        for (int k = 1; k <= max - min; k++)
        {
            int rule = NewRule(ruleName);
            var first = new List<Sym>(item);
            if (inner >= 0) first.Add(Sym.Ref(inner));
            _g.Rules[rule] = [first, []];
            _symbols += first.Count;
            CheckSize();
            inner = rule;
        }
        Add(seq, Sym.Ref(inner));
    }

    void Add(List<Sym> seq, Sym s)
    {
        seq.Add(s);
        _symbols++;
        CheckSize();
    }

    void CheckSize()
    {
        if (_symbols > GrammarLimits.MaxSymbols)
            throw new SlotSharpException($"the grammar expands to more than {GrammarLimits.MaxSymbols} symbols");
    }

    int Id(string name)
    {
        if (_ids.TryGetValue(name, out var id)) return id;
        id = NewRuleNamed(name);
        _ids[name] = id;
        return id;
    }

    int NewRule(string baseName) => NewRuleNamed($"{baseName}_{_g.Rules.Count}");

    int NewRuleNamed(string name)
    {
        if (_g.Rules.Count >= GrammarLimits.MaxRules) throw new SlotSharpException($"the grammar has more than {GrammarLimits.MaxRules} rules");
        _g.Names.Add(name);
        _g.Rules.Add(null);
        return _g.Rules.Count - 1;
    }

    static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_';

    string ParseName()
    {
        int start = _pos;
        while (_pos < _src.Length && IsWordChar(_src[_pos])) _pos++;
        if (_pos == start) throw Error("expecting a name");
        return _src[start.._pos];
    }

    int ParseInt()
    {
        int start = _pos;
        while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
        if (_pos == start) throw Error("expecting an integer");
        if (!int.TryParse(_src.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > GrammarLimits.MaxRepetition)
            throw new SlotSharpException($"the grammar repeats something more than {GrammarLimits.MaxRepetition} times");
        return v;
    }

    int ParseChar()
    {
        char c = _src[_pos];
        if (c == '\\')
        {
            if (_pos + 1 >= _src.Length) throw Error("unexpected end of input after '\\'");
            char e = _src[_pos + 1];
            _pos += 2;
            return e switch
            {
                'x' => ParseHex(2),
                'u' => ParseHex(4),
                'U' => ParseHex(8),
                't' => '\t',
                'r' => '\r',
                'n' => '\n',
                '\\' or '"' or '[' or ']' => e,
                _ => throw Error($"unknown escape '\\{e}'", _pos - 2),
            };
        }
        if (char.IsHighSurrogate(c) && _pos + 1 < _src.Length && char.IsLowSurrogate(_src[_pos + 1]))
        {
            int cp = char.ConvertToUtf32(c, _src[_pos + 1]);
            _pos += 2;
            return cp;
        }
        _pos++;
        return c;
    }

    int ParseHex(int digits)
    {
        if (_pos + digits > _src.Length
            || !int.TryParse(_src.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)
            || v < 0)
            throw Error($"expecting {digits} hex digits");
        _pos += digits;
        return v;
    }

    void SkipSpace(bool newlineOk)
    {
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c == '#') { while (_pos < _src.Length && _src[_pos] is not ('\r' or '\n')) _pos++; }
            else if (c is ' ' or '\t' || (newlineOk && c is '\r' or '\n')) _pos++;
            else break;
        }
    }

    bool At(string s) => string.CompareOrdinal(_src, _pos, s, 0, s.Length) == 0;

    SlotSharpException Error(string what, int? at = null)
    {
        int p = Math.Min(at ?? _pos, _src.Length);
        int line = 1, col = 1;
        for (int i = 0; i < p; i++) { if (_src[i] == '\n') { line++; col = 1; } else col++; }
        return new SlotSharpException($"grammar line {line}, column {col}: {what}");
    }
}

/// <summary>Writes GBNF text: literals and character classes with every non-trivial character escaped.</summary>
internal static class Gbnf
{
    public static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        for (int i = 0; i < text.Length; i++)
        {
            int c = char.ConvertToUtf32(text, i);
            if (c > 0xFFFF) i++;
            AppendChar(sb, c);
        }
        return sb.Append('"').ToString();
    }

    public static string Class(CodePointRanges set)
    {
        if (set.IsEmpty) return "[^\\x00-\\U0010FFFF]";
        var sb = new StringBuilder("[");
        foreach (var (lo, hi) in set.Ranges)
        {
            AppendChar(sb, lo);
            if (hi != lo) { sb.Append('-'); AppendChar(sb, hi); }
        }
        return sb.Append(']').ToString();
    }

    static void AppendChar(StringBuilder sb, int c)
    {
        if (c < 0x80 && char.IsAsciiLetterOrDigit((char)c) || c == ' ') sb.Append((char)c);
        else sb.Append(CultureInfo.InvariantCulture, $"\\U{c:X8}");
    }
}
