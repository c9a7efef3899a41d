namespace SlotSharp.Grading;

/// <summary>Atoms of <see cref="LatexParser"/>: numbers, symbols, commands, brackets, matrices.</summary>
internal sealed partial class LatexParser
{
    static readonly HashSet<string> Functions =
    [
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "ln", "log", "exp", "lg", "max", "min", "gcd", "lcm", "det",
    ];

    static readonly HashSet<string> Greek =
    [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega",
    ];

    /// <summary>Commands that name something or wrap their argument into a symbol ("\overline{AB}" is the symbol AB).</summary>
    static readonly HashSet<string> SymbolWrappers = ["mathbf", "overline", "vec", "hat", "bar", "widehat", "overrightarrow", "tilde", "operatorname", "boldsymbol"];

    static readonly HashSet<string> TextCommands = ["text", "mbox", "textrm", "textup"];

    static bool StartsPrimaryCommand(string command)
    {
        var name = command.TrimStart('\\');
        return name is "frac" or "sqrt" or "pi" or "infty" or "binom" or "{" or "lfloor" or "lceil" or "begin" or "left"
            || Functions.Contains(name) || Greek.Contains(name) || SymbolWrappers.Contains(name) || TextCommands.Contains(name);
    }

    MathNode ParsePrimary()
    {
        using var _ = Enter();
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                if (Accept("_")) return BaseNumber(t.Text, ReadSubscriptText());
                return NumberLiteral(t.Text);
            case TokenKind.Letter:
                if (t.Text == "π") return new ConstantNode(MathConstant.Pi);
                return WithSubscript(t.Text);
            case TokenKind.Punct:
                return t.Text switch
                {
                    "(" => ParseBracketed(leftOpen: true),
                    "[" => ParseBracketed(leftOpen: false),
                    "{" => ParseBraceGroup(),
                    "|" => ParseAbs(),
                    "∞" => new ConstantNode(MathConstant.Infinity),
                    "√" => Build.Sqrt(ParsePower()),
                    _ => throw new MathParseException($"unexpected '{t.Text}' at {t.Start}"),
                };
            case TokenKind.Command:
                return ParseCommand(t);
            default:
                throw new MathParseException("unexpected end of answer");
        }
    }

    MathNode WithSubscript(string name)
    {
        if (Accept("_")) name = $"{name}_{ReadSubscriptText()}";
        return new SymbolNode(name);
    }

    MathNode ParseCommand(LatexToken t)
    {
        var name = t.Text[1..];
        switch (name)
        {
            case "frac":
            case "binom":
            {
                var numerator = ParseRequiredGroup();
                var denominator = ParseRequiredGroup();
                return name == "frac" ? Build.Div(numerator, denominator) : new FunctionNode("binomial", [numerator, denominator]);
            }
            case "sqrt":
            {
                if (Accept("["))
                {
                    var index = ParseRelation();
                    Expect("]");
                    return new PowerNode(ParseRequiredGroup(), new PowerNode(index, NumberNode.MinusOne));
                }
                return Build.Sqrt(ParseRequiredGroup());
            }
            case "pi": return new ConstantNode(MathConstant.Pi);
            case "infty": return new ConstantNode(MathConstant.Infinity);
            case "{": return ParseSetLiteral();
            case "lfloor": return ParseDelimited("floor", @"\rfloor");
            case "lceil": return ParseDelimited("ceiling", @"\rceil");
            case "begin": return ParseEnvironment();
        }
        if (Greek.Contains(name)) return WithSubscript(name);
        if (Functions.Contains(name)) return ParseFunction(name);
        if (TextCommands.Contains(name)) return ParseText();
        if (SymbolWrappers.Contains(name)) return WithSubscript(ReadSubscriptText().Replace(" ", ""));
        throw new MathParseException($"unsupported command '{t.Text}' at {t.Start}");
    }

    /// <summary>
    /// A braced command argument. Unbraced "\frac12" / "\sqrt3" fail as in latex2sympy; the normalizer's
    /// malformed-operator repair is what makes them parse.
    /// </summary>
    MathNode ParseRequiredGroup()
    {
        if (!Peek.Is("{")) throw new MathParseException($"expected '{{' at {Peek.Start}");
        return ParseGroupOrAtom();
    }

    MathNode ParseDelimited(string function, string close)
    {
        var inner = ParseRelation();
        Expect(close);
        return new FunctionNode(function, [inner]);
    }

    MathNode ParseAbs()
    {
        _absDepth++;
        try
        {
            var inner = ParseRelation();
            Expect("|");
            return new FunctionNode("abs", [inner]);
        }
        finally { _absDepth--; }
    }

    /// <summary>"\sin^2 x", "\sin(a+b)", "\log_2 8": an optional power, an optional base, then one argument.</summary>
    MathNode ParseFunction(string name)
    {
        MathNode? power = null, logBase = null;
        if (name == "log" && Accept("_")) logBase = ParseGroupOrAtom();
        if (Accept("^")) power = ParseGroupOrAtom();
        MathNode argument;
        if (Accept("("))
        {
            argument = ParseRelation();
            Expect(")");
        }
        else argument = ParsePower();
        MathNode call = name switch
        {
            "lg" => new FunctionNode("log", [argument, NumberNode.Of(10)]),
            "log" when logBase is not null => new FunctionNode("log", [argument, logBase]),
            // latex2sympy reads \log as the natural logarithm.
            "log" => new FunctionNode("ln", [argument]),
            _ => new FunctionNode(name, [argument]),
        };
        return power is null ? call : new PowerNode(call, power);
    }

    /// <summary>\text{...}: a number inside stays a number; words become one symbol; "(C)" is the letter C.</summary>
    MathNode ParseText()
    {
        var content = ReadSubscriptText().Trim().Trim('(', ')').Trim();
        if (content.Length == 0) throw new MathParseException("empty \\text");
        if (BigRational.TryParseDecimal(content) is { } value) return new NumberNode(value, content.Contains('.'));
        return new SymbolNode(content, IsText: true);
    }

    MathNode ParseBraceGroup()
    {
        var items = ParseItems();
        Expect("}");
        return items.Count == 1 ? items[0] : new SetNode(items);
    }

    MathNode ParseSetLiteral()
    {
        if (Accept(@"\}")) return new SetNode([]);
        var items = ParseItems();
        Expect(@"\}");
        return new SetNode(items);
    }

    /// <summary>
    /// "(a)" is grouping; "(a, b)" an open interval when a &lt; b is evident from the numbers, else a tuple; "[a, b)"
    /// style mixed brackets are intervals; three or more items make a tuple.
    /// </summary>
    MathNode ParseBracketed(bool leftOpen)
    {
        var saveAbs = _absDepth;
        _absDepth = 0;
        var items = ParseItems();
        _absDepth = saveAbs;
        bool rightOpen;
        if (Accept(")")) rightOpen = true;
        else if (Accept("]")) rightOpen = false;
        else throw new MathParseException($"unclosed bracket at {Peek.Start}");
        if (items.Count == 1)
        {
            if (leftOpen && rightOpen) return items[0];
            throw new MathParseException("one-element bracket");
        }
        if (items.Count == 2 && (!leftOpen || !rightOpen || IsIncreasing(items[0], items[1])))
            return new IntervalNode(items[0], items[1], leftOpen, rightOpen);
        return new TupleNode(items);
    }

    static bool IsIncreasing(MathNode low, MathNode high)
    {
        if (high is ConstantNode { Kind: MathConstant.Infinity }) return true;
        if (low is ProductNode { Factors: [NumberNode { Value.Sign: < 0 }, ConstantNode { Kind: MathConstant.Infinity }] }) return true;
        var a = NumericEvaluator.TryReal(low);
        var b = NumericEvaluator.TryReal(high);
        return a is { } x && b is { } y && x < y;
    }

    MathNode ParseEnvironment()
    {
        var env = ReadSubscriptText().TrimEnd('*');
        if (env is not ("pmatrix" or "bmatrix" or "matrix" or "Bmatrix" or "vmatrix" or "smallmatrix"))
            throw new MathParseException($"unsupported environment '{env}'");
        var rows = new List<IReadOnlyList<MathNode>>();
        var row = new List<MathNode>();
        while (true)
        {
            if (Accept(@"\end"))
            {
                ReadSubscriptText();
                if (row.Count > 0) rows.Add(row);
                break;
            }
            row.Add(ParseRelation());
            if (Accept("&")) continue;
            if (Accept(@"\\")) { rows.Add(row); row = []; continue; }
            if (!Peek.Is(@"\end")) throw new MathParseException($"unexpected '{Peek.Text}' in matrix");
        }
        if (rows.Count == 0 || rows.Any(r => r.Count != rows[0].Count)) throw new MathParseException("ragged matrix");
        return new MatrixNode(rows);
    }
}
