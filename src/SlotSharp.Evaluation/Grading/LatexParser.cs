using System.Numerics;

namespace SlotSharp.Grading;

/// <summary>
/// Recursive-descent parser from normalized LaTeX (or plain "1/2*3" arithmetic) to a <see cref="MathNode"/>, covering
/// what competition answers use: numbers, fractions, roots, powers, \pi, functions, implicit products, \pm, relation
/// chains, lists, sets, tuples, intervals with unions, matrices, \text words and percent. Anything else (an unknown
/// command, a stray brace) throws <see cref="MathParseException"/>, as latex2sympy fails, so the caller can fall back.
/// </summary>
internal sealed partial class LatexParser
{
    readonly List<LatexToken> _tokens;
    readonly int _maxDepth;
    int _pos;
    int _depth;
    int _absDepth;

    /// <summary>Each \pm doubles the alternatives; more than this many in one sum is not an answer.</summary>
    const int MaxPlusMinus = 4;

    LatexParser(string text, int maxDepth)
    {
        _tokens = LatexTokenizer.Tokenize(text);
        _maxDepth = maxDepth;
    }

    /// <summary>Parses a whole answer; <paramref name="maxDepth"/> bounds nesting so hostile input fails cleanly.</summary>
    public static MathNode Parse(string text, int maxDepth = 200)
    {
        var parser = new LatexParser(text, maxDepth);
        if (parser.Peek.Kind == TokenKind.End) throw new MathParseException("empty answer");
        var node = parser.ParseList(isTop: true);
        if (parser.Peek.Kind != TokenKind.End) throw new MathParseException($"unexpected '{parser.Peek.Text}' at {parser.Peek.Start}");
        return node;
    }

    LatexToken Peek => _tokens[_pos];
    LatexToken PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];
    LatexToken Next() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    bool Accept(string text)
    {
        if (!Peek.Is(text)) return false;
        _pos++;
        return true;
    }

    void Expect(string text)
    {
        if (!Accept(text)) throw new MathParseException($"expected '{text}' at {Peek.Start}, found '{Peek.Text}'");
    }

    IDisposable Enter()
    {
        if (++_depth > _maxDepth) throw new MathParseException("expression nested too deeply");
        return new DepthGuard(this);
    }

    sealed class DepthGuard(LatexParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    /// <summary>
    /// Comma- or semicolon-separated items; more than one item at top level is a set. When both separators occur,
    /// ";" separates the elements and "," groups tuples: "p=5,q=2;p=7,q=2" is {(p=5, q=2), (p=7, q=2)}.
    /// </summary>
    MathNode ParseList(bool isTop)
    {
        var items = ParseItems(out var groupEnds);
        if (items.Count == 1) return items[0];
        if (!isTop) return new TupleNode(items);
        if (groupEnds.Count == 0 || groupEnds.Count == items.Count - 1) return new SetNode(items);
        var elements = new List<MathNode>();
        int start = 0;
        foreach (var end in groupEnds.Append(items.Count))
        {
            var group = items.GetRange(start, end - start);
            elements.Add(group.Count == 1 ? group[0] : new TupleNode(group));
            start = end;
        }
        return new SetNode(elements);
    }

    List<MathNode> ParseItems() => ParseItems(out _);

    /// <summary>The items, and the item counts at which a ";" ended a group.</summary>
    List<MathNode> ParseItems(out List<int> semicolonAfter)
    {
        using var _ = Enter();
        semicolonAfter = [];
        var items = new List<MathNode> { ParseRelation() };
        while (Peek.Is(",") || Peek.Is(";"))
        {
            if (Next().Is(";")) semicolonAfter.Add(items.Count);
            if (Peek.Kind == TokenKind.End || Peek.Is(")") || Peek.Is("]") || Peek.Is(@"\}")) break; // trailing comma
            items.Add(ParseRelation());
        }
        return items;
    }

    static readonly Dictionary<string, RelationKind> RelationTokens = new()
    {
        ["="] = RelationKind.Equal, [@"\approx"] = RelationKind.Equal, [@"\equiv"] = RelationKind.Equal, ["≈"] = RelationKind.Equal,
        [@"\neq"] = RelationKind.NotEqual, [@"\ne"] = RelationKind.NotEqual, ["≠"] = RelationKind.NotEqual,
        ["<"] = RelationKind.Less, [@"\lt"] = RelationKind.Less,
        [@"\le"] = RelationKind.LessEqual, [@"\leq"] = RelationKind.LessEqual, [@"\leqslant"] = RelationKind.LessEqual, ["≤"] = RelationKind.LessEqual,
        [">"] = RelationKind.Greater, [@"\gt"] = RelationKind.Greater,
        [@"\ge"] = RelationKind.GreaterEqual, [@"\geq"] = RelationKind.GreaterEqual, [@"\geqslant"] = RelationKind.GreaterEqual, ["≥"] = RelationKind.GreaterEqual,
    };

    /// <summary>Reads "!=", "&lt;=", "&gt;=" (two punctuation tokens) or one relation token; null when none is next.</summary>
    (RelationKind Kind, bool Approx)? TryRelation()
    {
        var t = Peek;
        if (t.Kind == TokenKind.Punct && PeekAt(1).Is("=") && (t.Text is "!" or "<" or ">"))
        {
            _pos += 2;
            return (t.Text switch { "!" => RelationKind.NotEqual, "<" => RelationKind.LessEqual, _ => RelationKind.GreaterEqual }, false);
        }
        if (t.Kind == TokenKind.Number || !RelationTokens.TryGetValue(t.Text, out var kind)) return null;
        _pos++;
        return (kind, t.Text is @"\approx" or "≈");
    }

    MathNode ParseRelation()
    {
        using var _ = Enter();
        var first = ParseUnion();
        if (Accept(@"\in")) return ParseUnion(); // "x \in [0, 1)" answers with the set itself.
        var operands = new List<MathNode> { first };
        var kinds = new List<RelationKind>();
        while (TryRelation() is { } rel)
        {
            var rhs = ParseUnion();
            // "a \approx b" states a's value approximately: keep a, except for "x \approx 11", which assigns x.
            if (rel.Approx && !(operands.Count == 1 && operands[0] is SymbolNode)) continue;
            operands.Add(rhs);
            kinds.Add(rel.Kind);
        }
        return kinds.Count == 0 ? first : new RelationNode(operands, kinds);
    }

    MathNode ParseUnion()
    {
        var node = ParseAdditive();
        if (!Peek.Is(@"\cup") && !Peek.Is("∪")) return node;
        var parts = new List<MathNode> { node };
        while (Accept(@"\cup") || Accept("∪")) parts.Add(ParseAdditive());
        return new UnionNode(parts);
    }

    /// <summary>Sums; each \pm doubles the alternatives, so "1 \pm \sqrt{19}" is the set {1+√19, 1-√19}.</summary>
    MathNode ParseAdditive()
    {
        using var _ = Enter();
        var alternatives = new List<MathNode>();
        var signs = new List<int> { TryReadSign() ?? 1 }; // +1, -1, or 0 for ±
        var terms = new List<MathNode> { ParseTerm() };
        while (TryReadSign() is { } sign)
        {
            signs.Add(sign);
            terms.Add(ParseTerm());
        }
        int plusMinus = signs.Count(s => s == 0);
        if (plusMinus > MaxPlusMinus) throw new MathParseException("too many \\pm signs");
        for (int mask = 0; mask < 1 << plusMinus; mask++)
        {
            // One flat list per alternative: building the sum pairwise would copy it once per term.
            var sum = new List<MathNode>(terms.Count);
            int bit = 0;
            for (int i = 0; i < terms.Count; i++)
            {
                int s = signs[i] != 0 ? signs[i] : ((mask >> bit++) & 1) == 0 ? 1 : -1;
                var term = s < 0 ? Build.Neg(terms[i]) : terms[i];
                if (term is SumNode nested) sum.AddRange(nested.Terms); else sum.Add(term);
            }
            alternatives.Add(sum.Count == 1 ? sum[0] : new SumNode(sum));
        }
        return alternatives.Count == 1 ? alternatives[0] : new SetNode(alternatives);
    }

    /// <summary>Reads "+" (1), "-" (-1) or "\pm"/"\mp" (0, both signs); null when no sign is next.</summary>
    int? TryReadSign()
    {
        if (Accept("+")) return 1;
        if (Accept("-") || Accept("−")) return -1;
        if (Accept(@"\pm") || Accept(@"\mp") || Accept("±")) return 0;
        return null;
    }

    MathNode ParseTerm()
    {
        using var _ = Enter();
        var factors = new List<MathNode>();
        void Add(MathNode f)
        {
            if (f is ProductNode p) factors.AddRange(p.Factors); else factors.Add(f);
        }
        Add(ParseUnary());
        while (true)
        {
            if (Accept(@"\cdot") || Accept(@"\times") || Accept("*") || Accept("×") || Accept("·")) Add(ParseUnary());
            else if (Accept("/") || Accept(@"\div") || Accept("÷") || Accept(":")) factors.Add(new PowerNode(ParseUnary(), NumberNode.MinusOne));
            else if (StartsImplicitFactor()) Add(ParsePower());
            else return factors.Count == 1 ? factors[0] : new ProductNode(factors);
        }
    }

    MathNode ParseUnary()
    {
        using var _ = Enter();
        if (Accept("-") || Accept("−")) return Build.Neg(ParseUnary());
        if (Accept("+")) return ParseUnary();
        return ParsePower();
    }

    bool StartsImplicitFactor()
    {
        var t = Peek;
        return t.Kind switch
        {
            TokenKind.Number or TokenKind.Letter => true,
            TokenKind.Punct => t.Text is "(" || (t.Text == "|" && _absDepth == 0) || t.Text is "π" or "∞" or "√",
            TokenKind.Command => StartsPrimaryCommand(t.Text),
            _ => false,
        };
    }

    MathNode ParsePower()
    {
        using var _ = Enter();
        var node = ParsePostfix(ParsePrimary());
        while (Peek.Is("^"))
        {
            _pos++;
            if (IsDegreeMark()) continue; // 90^\circ is the number 90 (degrees are not converted)
            var exponent = ParsePostfix(ParseGroupOrAtom());
            node = new PowerNode(node, exponent);
            node = ParsePostfix(node);
        }
        return node;
    }

    bool IsDegreeMark()
    {
        if (Accept(@"\circ")) return true;
        if (Peek.Is("{") && PeekAt(1).Is(@"\circ") && PeekAt(2).Is("}")) { _pos += 3; return true; }
        return false;
    }

    MathNode ParsePostfix(MathNode node)
    {
        while (true)
        {
            if (Peek.Is("!") && !PeekAt(1).Is("=")) { _pos++; node = new FunctionNode("factorial", [node]); }
            else if (Accept(@"\%") || Accept("%")) node = Build.Percent(node);
            else if (Peek.Is("'")) { _pos++; node = new FunctionNode("prime", [node]); }
            else return node;
        }
    }

    /// <summary>An exponent or subscript: a braced group, or a single token ("x^2", "x^n", "x^-1" is not LaTeX).</summary>
    MathNode ParseGroupOrAtom()
    {
        if (Accept("{"))
        {
            var inner = ParseList(isTop: false);
            Expect("}");
            return inner;
        }
        if (Peek.Kind == TokenKind.Number)
        {
            // "x^23" in LaTeX raises to 2 then multiplies by 3; digits beyond the first are left for the caller.
            var t = Next();
            if (t.Text.Length > 1 && !t.Text.Contains('.'))
            {
                _tokens.Insert(_pos, new LatexToken(TokenKind.Number, t.Text[1..], t.Start + 1));
                return new NumberNode(BigRational.FromInteger(t.Text[0] - '0'));
            }
            return NumberLiteral(t.Text);
        }
        if (Accept("-")) return Build.Neg(ParseGroupOrAtom());
        return ParsePrimary();
    }

    static MathNode NumberLiteral(string text)
    {
        var value = BigRational.TryParseDecimal(text) ?? throw new MathParseException($"bad number '{text}'");
        return new NumberNode(value, text.Contains('.'));
    }

    /// <summary>Text of a braced group or single token, for subscripts that name things ("a_{37}", "x_1").</summary>
    string ReadSubscriptText()
    {
        if (!Accept("{")) return Next().Text;
        int depth = 1;
        var sb = new System.Text.StringBuilder();
        while (Peek.Kind != TokenKind.End)
        {
            var t = Next();
            if (t.Is("{")) depth++;
            else if (t.Is("}") && --depth == 0) return sb.ToString();
            sb.Append(t.Text);
        }
        throw new MathParseException("unclosed subscript");
    }

    /// <summary>"204_5" is 204 written in base 5 (latex2sympy reads number subscripts as bases).</summary>
    static MathNode BaseNumber(string digits, string baseText)
    {
        if (!int.TryParse(baseText, out var radix) || radix < 2 || radix > 36) throw new MathParseException($"bad base '{baseText}'");
        BigInteger value = 0;
        foreach (var ch in digits)
        {
            int d = char.IsAsciiDigit(ch) ? ch - '0' : char.IsAsciiLetter(ch) ? char.ToLowerInvariant(ch) - 'a' + 10 : 99;
            if (d >= radix) throw new MathParseException($"digit '{ch}' not valid in base {radix}");
            value = value * radix + d;
        }
        return new NumberNode(BigRational.FromInteger(value));
    }
}
