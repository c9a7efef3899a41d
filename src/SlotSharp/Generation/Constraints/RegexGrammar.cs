using System.Globalization;
using System.Text;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// Translates a regular expression (the ECMAScript subset JSON Schema's pattern and vLLM's guided_regex use) into one
/// GBNF expression that matches the same strings as a whole: literals and escapes, classes, ".", groups (plain and
/// (?:...)), alternation and the quantifiers * + ? {m} {m,} {m,n} (lazy forms too). A leading ^ and a trailing $ are
/// implied; lookarounds, backreferences, word boundaries and anchors elsewhere are refused. With
/// <c>jsonString</c> the expression is for the inside of a JSON string: it writes the JSON escape of each character
/// and leaves '"', '\' and control characters out of classes, so the decoded string is what the pattern matched.
/// </summary>
internal sealed class RegexGrammar
{
    static readonly CodePointRanges Digits = new([('0', '9')]);
    static readonly CodePointRanges Word = new([('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]);
    static readonly CodePointRanges Space = new([('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
        (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]);
    static readonly CodePointRanges Dot = new CodePointRanges([('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)]).Complement();
    static readonly CodePointRanges JsonUnsafe = new([(0, 0x1F), ('"', '"'), ('\\', '\\')]);

    readonly string _p;
    readonly bool _json;
    int _pos;

    RegexGrammar(string pattern, bool jsonString) { _p = pattern; _json = jsonString; }

    public static string ToGbnf(string pattern, bool jsonString)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length > GrammarLimits.MaxTextLength) throw new SlotSharpException($"the pattern is longer than {GrammarLimits.MaxTextLength} characters");
        var r = new RegexGrammar(pattern, jsonString);
        if (r.Peek('^')) r._pos++;
        string expr = r.Alternation(0);
        if (r.Peek('$') && r._pos == pattern.Length - 1) r._pos++;
        if (r._pos != pattern.Length)
            throw new SlotSharpException($"the pattern '{pattern}' has an unsupported or unbalanced '{pattern[r._pos]}' at {r._pos}");
        return expr;
    }

    bool Peek(char c) => _pos < _p.Length && _p[_pos] == c;

    string Alternation(int depth)
    {
        if (depth > GrammarLimits.MaxNesting) throw new SlotSharpException($"the pattern nests groups deeper than {GrammarLimits.MaxNesting}");
        var alts = new List<string> { Concat(depth) };
        while (Peek('|')) { _pos++; alts.Add(Concat(depth)); }
        return alts.Count == 1 ? alts[0] : "(" + string.Join(" | ", alts) + ")";
    }

    string Concat(int depth)
    {
        var parts = new List<string>();
        while (_pos < _p.Length && _p[_pos] is not ('|' or ')'))
        {
            if (_p[_pos] == '$' && _pos == _p.Length - 1) break;
            string atom = Atom(depth);
            parts.Add(atom + Quantifier());
        }
        return parts.Count == 0 ? "\"\"" : "(" + string.Join(" ", parts) + ")";
    }

    string Quantifier()
    {
        if (_pos >= _p.Length) return "";
        string q;
        char c = _p[_pos];
        if (c is '*' or '+' or '?') { q = c.ToString(); _pos++; }
        else if (c == '{' && TryBraces(out var braces)) q = braces;
        else return "";
        if (Peek('?')) _pos++; // lazy: the same language
        else if (Peek('+')) throw new SlotSharpException($"the pattern '{_p}' uses a possessive quantifier, which is not supported");
        if (_pos < _p.Length && _p[_pos] is '*' or '+' or '?' || (Peek('{') && TryBraces(out _, peekOnly: true)))
            throw new SlotSharpException($"the pattern '{_p}' repeats a quantifier at {_pos}");
        return q;
    }

    bool TryBraces(out string braces, bool peekOnly = false)
    {
        braces = "";
        int end = _p.IndexOf('}', _pos);
        if (end < 0) return false;
        var inner = _p[(_pos + 1)..end];
        var parts = inner.Split(',');
        bool Num(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);
        if (!(parts.Length == 1 && Num(parts[0]) || parts.Length == 2 && Num(parts[0]) && (parts[1].Length == 0 || Num(parts[1])))) return false;
        if (!peekOnly) _pos = end + 1;
        foreach (var part in parts)
            if (part.Length > 0 && (part.Length > 6 || int.Parse(part, CultureInfo.InvariantCulture) > GrammarLimits.MaxRepetition))
                throw new SlotSharpException($"the pattern repeats something more than {GrammarLimits.MaxRepetition} times");
        braces = "{" + inner + "}";
        return true;
    }

    string Atom(int depth)
    {
        char c = _p[_pos];
        switch (c)
        {
            case '(':
                _pos++;
                if (Peek('?'))
                {
                    if (_pos + 1 < _p.Length && _p[_pos + 1] == ':') _pos += 2;
                    else throw new SlotSharpException($"the pattern '{_p}' uses a (?...) group other than (?:...), which is not supported");
                }
                string inner = Alternation(depth + 1);
                if (!Peek(')')) throw new SlotSharpException($"the pattern '{_p}' has an unclosed group");
                _pos++;
                return "(" + inner + ")";
            case '[':
                return Set(Class());
            case '.':
                _pos++;
                return Set(Dot);
            case '\\':
                return Escape();
            case '^' or '$':
                throw new SlotSharpException($"the pattern '{_p}' has an anchor '{c}' inside it; only a leading ^ and a trailing $ are supported");
            case '*' or '+' or '?':
                throw new SlotSharpException($"the pattern '{_p}' has a quantifier with nothing to repeat at {_pos}");
            default:
                if (c == '{' && TryBraces(out _, peekOnly: true))
                    throw new SlotSharpException($"the pattern '{_p}' has a quantifier with nothing to repeat at {_pos}");
                return Char(NextCodePoint());
        }
    }

    string Escape()
    {
        _pos++;
        if (_pos >= _p.Length) throw new SlotSharpException($"the pattern '{_p}' ends with '\\'");
        char e = _p[_pos++];
        switch (e)
        {
            case 'd': return Set(Digits);
            case 'D': return Set(Digits.Complement());
            case 'w': return Set(Word);
            case 'W': return Set(Word.Complement());
            case 's': return Set(Space);
            case 'S': return Set(Space.Complement());
            case 'b' or 'B':
                throw new SlotSharpException($"the pattern '{_p}' uses a word boundary (\\{e}), which is not supported");
            default:
                if (char.IsAsciiDigit(e) && e != '0')
                    throw new SlotSharpException($"the pattern '{_p}' uses a backreference (\\{e}), which is not supported");
                _pos--;
                return Char(EscapedChar());
        }
    }

    /// <summary>The character of a single-character escape at _pos (just after the backslash).</summary>
    int EscapedChar()
    {
        char e = _p[_pos++];
        switch (e)
        {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return '\v';
            case '0': return 0;
            case 'x': return Hex(2);
            case 'u':
                if (Peek('{'))
                {
                    int end = _p.IndexOf('}', _pos);
                    if (end < 0 || end - _pos - 1 is < 1 or > 6) throw new SlotSharpException($"the pattern '{_p}' has a bad \\u{{...}} escape");
                    _pos++;
                    int v = Hex(end - _pos);
                    _pos++;
                    return v;
                }
                return Hex(4);
            default:
                if (char.IsAsciiLetterOrDigit(e)) throw new SlotSharpException($"the pattern '{_p}' uses the escape \\{e}, which is not supported");
                return e;
        }
    }

    int Hex(int digits)
    {
        if (_pos + digits > _p.Length || !int.TryParse(_p.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
            throw new SlotSharpException($"the pattern '{_p}' has a bad hex escape at {_pos}");
        _pos += digits;
        return v;
    }

    CodePointRanges Class()
    {
        _pos++; // [
        bool negated = Peek('^');
        if (negated) _pos++;
        var set = new CodePointRanges([]);
        bool first = true;
        while (true)
        {
            if (_pos >= _p.Length) throw new SlotSharpException($"the pattern '{_p}' has an unclosed character class");
            if (_p[_pos] == ']' && !first) break;
            first = false;
            var (lo, single) = ClassAtom();
            if (single != null) { set = set.Union(single); continue; }
            int hi = lo;
            if (Peek('-') && _pos + 1 < _p.Length && _p[_pos + 1] != ']')
            {
                _pos++;
                var (end, endSet) = ClassAtom();
                if (endSet != null) throw new SlotSharpException($"the pattern '{_p}' has a range ending in a class escape");
                hi = end;
                if (hi < lo) throw new SlotSharpException($"the pattern '{_p}' has a range out of order");
            }
            set = set.Union(new CodePointRanges([(lo, hi)]));
        }
        _pos++; // ]
        return negated ? set.Complement() : set;
    }

    (int Char, CodePointRanges? Set) ClassAtom()
    {
        if (_p[_pos] != '\\')
        {
            return (NextCodePoint(), null);
        }
        _pos++;
        if (_pos >= _p.Length) throw new SlotSharpException($"the pattern '{_p}' ends with '\\'");
        switch (_p[_pos])
        {
            case 'd': _pos++; return (0, Digits);
            case 'D': _pos++; return (0, Digits.Complement());
            case 'w': _pos++; return (0, Word);
            case 'W': _pos++; return (0, Word.Complement());
            case 's': _pos++; return (0, Space);
            case 'S': _pos++; return (0, Space.Complement());
            case 'b': _pos++; return ('\b', null);
            default: return (EscapedChar(), null);
        }
    }

    int NextCodePoint()
    {
        char c = _p[_pos];
        if (char.IsHighSurrogate(c) && _pos + 1 < _p.Length && char.IsLowSurrogate(_p[_pos + 1]))
        {
            _pos += 2;
            return char.ConvertToUtf32(c, _p[_pos - 1]);
        }
        if (char.IsSurrogate(c)) throw new SlotSharpException($"the pattern has a lone surrogate at {_pos}");
        _pos++;
        return c;
    }

    string Set(CodePointRanges set) => Gbnf.Class(_json ? set.Except(JsonUnsafe) : set);

    string Char(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF || cp > CodePointRanges.MaxCodePoint)
            throw new SlotSharpException($"the pattern '{_p}' names a character that is not a Unicode scalar value");
        if (!_json) return Gbnf.Literal(char.ConvertFromUtf32(cp));
        // Inside a JSON string: the character's escape where JSON requires one.
        string text = cp switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            < 0x20 => string.Create(CultureInfo.InvariantCulture, $"\\u{cp:x4}"),
            _ => char.ConvertFromUtf32(cp),
        };
        return Gbnf.Literal(text);
    }
}
