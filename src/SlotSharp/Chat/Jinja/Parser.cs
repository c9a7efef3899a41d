namespace SlotSharp.Chat.Jinja;

/// <summary>
/// Recursive-descent parser producing the AST; follows Jinja2's grammar and precedence
/// (filters and tests bind tighter than arithmetic; `not x is y` means `not (x is y)`).
/// Anything outside the supported subset fails here, with its name and position.
/// </summary>
sealed class Parser
{
    /// <summary>Variable name (not a valid identifier) that filter blocks bind their captured body to.</summary>
    public const string CapturedName = "\0captured";

    static readonly HashSet<string> KnownUnsupportedTags =
        ["extends", "block", "endblock", "include", "import", "from", "autoescape", "endautoescape", "do", "trans",
         "endtrans", "pluralize"];

    readonly List<Token> _tokens;
    readonly int _maxDepth;
    int _index;
    int _depth;

    Parser(List<Token> tokens, int maxDepth)
    {
        _tokens = tokens;
        _maxDepth = maxDepth;
    }

    public static IReadOnlyList<Stmt> Parse(string source, int maxNestingDepth)
    {
        var parser = new Parser(Lexer.Tokenize(source), maxNestingDepth);
        var body = parser.ParseBody([], out var end);
        if (end != null) throw Error($"unexpected '{end.Text}'", end);
        return body;
    }

    Token Current => _tokens[_index];
    Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];
    Token Next() => _tokens[_index++];

    static TemplateSyntaxError Error(string message, Token at) => new(message, at.Line, at.Column);
    static TemplateSyntaxError Unsupported(string what, Token at) => new($"unsupported {what}", at.Line, at.Column, true);

    Token Expect(TokenKind kind, string? text = null)
    {
        var t = Current;
        if (t.Kind != kind || (text != null && t.Text != text))
        {
            var wanted = text != null ? $"'{text}'" : kind switch
            {
                TokenKind.BlockEnd => "end of statement block",
                TokenKind.VariableEnd => "end of print statement",
                TokenKind.Name => "a name",
                _ => kind.ToString(),
            };
            throw Error($"expected {wanted}, got {t.Describe()}", t);
        }
        return Next();
    }

    bool SkipOp(string op)
    {
        if (!Current.IsOp(op)) return false;
        _index++;
        return true;
    }

    bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _index++;
        return true;
    }

    void Enter(Token at)
    {
        if (++_depth > _maxDepth) throw new TemplateSyntaxError($"template nesting deeper than {_maxDepth}", at.Line, at.Column);
    }

    // ---------------- statements ----------------

    /// <summary>Parses until a block tag whose name is in <paramref name="endNames"/>; leaves the cursor on that name.</summary>
    List<Stmt> ParseBody(HashSet<string> endNames, out Token? endName)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Eof:
                    endName = null;
                    if (endNames.Count > 0)
                        throw Error($"unexpected end of template; expected {string.Join(" or ", endNames.Select(n => $"'{n}'"))}", t);
                    return body;
                case TokenKind.Data:
                    body.Add(new TextStmt(t.Text, t.Line, t.Column));
                    Next();
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new PrintStmt(ParseTuple(), t.Line, t.Column));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == TokenKind.Name && endNames.Contains(name.Text))
                    {
                        Next();
                        endName = name;
                        return body;
                    }
                    Next();
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error($"unexpected {t.Describe()}", t);
            }
        }
    }

    Stmt ParseStatement()
    {
        var t = Current;
        if (t.Kind != TokenKind.Name) throw Error($"expected a tag name, got {t.Describe()}", t);
        Enter(t);
        try
        {
            Next();
            switch (t.Text)
            {
                case "if": return ParseIf(t);
                case "for": return ParseFor(t);
                case "set": return ParseSet(t);
                case "macro": return ParseMacro(t);
                case "call": return ParseCallBlock(t);
                case "filter": return ParseFilterBlock(t);
                case "with": return ParseWith(t);
                case "break": Expect(TokenKind.BlockEnd); return new BreakStmt(t.Line, t.Column);
                case "continue": Expect(TokenKind.BlockEnd); return new ContinueStmt(t.Line, t.Column);
                default:
                    if (KnownUnsupportedTags.Contains(t.Text) || t.Text.StartsWith("end", StringComparison.Ordinal)
                        || t.Text is "elif" or "else")
                        throw KnownUnsupportedTags.Contains(t.Text) ? Unsupported($"tag '{t.Text}'", t)
                            : Error($"unexpected tag '{t.Text}'", t);
                    throw Unsupported($"tag '{t.Text}'", t);
            }
        }
        finally { _depth--; }
    }

    IfStmt ParseIf(Token start)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt> elseBody = [];
        var test = ParseTuple();
        Expect(TokenKind.BlockEnd);
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"], out var end);
            branches.Add((test, body));
            Next();
            if (end!.Text == "elif")
            {
                test = ParseTuple();
                Expect(TokenKind.BlockEnd);
                continue;
            }
            Expect(TokenKind.BlockEnd);
            if (end.Text == "else")
            {
                elseBody = ParseBody(["endif"], out _);
                Next();
                Expect(TokenKind.BlockEnd);
            }
            return new IfStmt(branches, elseBody, start.Line, start.Column);
        }
    }

    ForStmt ParseFor(Token start)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondExpr: false);
        Expr? filter = null;
        if (SkipName("if")) filter = ParseExpression();
        if (Current.IsName("recursive")) throw Unsupported("recursive for loop", Current);
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["else", "endfor"], out var end);
        Next();
        Expect(TokenKind.BlockEnd);
        IReadOnlyList<Stmt> elseBody = [];
        if (end!.Text == "else")
        {
            elseBody = ParseBody(["endfor"], out _);
            Next();
            Expect(TokenKind.BlockEnd);
        }
        return new ForStmt(target, iterable, filter, body, elseBody, start.Line, start.Column);
    }

    Stmt ParseSet(Token start)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (SkipOp("="))
        {
            var value = ParseTuple();
            Expect(TokenKind.BlockEnd);
            return new SetStmt(target, value, start.Line, start.Column);
        }
        Expr? filter = null;
        if (Current.IsOp("|")) filter = ParseFilterChain(new NameExpr(CapturedName, Current.Line, Current.Column));
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endset"], out _);
        Next();
        Expect(TokenKind.BlockEnd);
        return new SetBlockStmt(target, body, filter, start.Line, start.Column);
    }

    MacroStmt ParseMacro(Token start)
    {
        var name = Expect(TokenKind.Name).Text;
        var parameters = ParseParams();
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endmacro"], out _);
        Next();
        Expect(TokenKind.BlockEnd);
        return new MacroStmt(name, parameters, body, start.Line, start.Column);
    }

    List<MacroParam> ParseParams()
    {
        var list = new List<MacroParam>();
        Expect(TokenKind.Operator, "(");
        while (!SkipOp(")"))
        {
            if (list.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOp(")")) break;
            var name = Expect(TokenKind.Name).Text;
            Expr? def = SkipOp("=") ? ParseExpression() : null;
            list.Add(new MacroParam(name, def));
        }
        return list;
    }

    CallBlockStmt ParseCallBlock(Token start)
    {
        List<MacroParam> callerParams = Current.IsOp("(") ? ParseParams() : [];
        var call = ParseExpression() as CallExpr ?? throw Error("expected a macro call after 'call'", start);
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endcall"], out _);
        Next();
        Expect(TokenKind.BlockEnd);
        return new CallBlockStmt(call, callerParams, body, start.Line, start.Column);
    }

    FilterBlockStmt ParseFilterBlock(Token start)
    {
        var chain = ParseFilterChain(new NameExpr(CapturedName, start.Line, start.Column), requirePipe: false);
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endfilter"], out _);
        Next();
        Expect(TokenKind.BlockEnd);
        return new FilterBlockStmt(chain, body, start.Line, start.Column);
    }

    WithStmt ParseWith(Token start)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) Expect(TokenKind.Operator, ",");
            var target = ParseAssignTarget(allowAttribute: false);
            Expect(TokenKind.Operator, "=");
            assignments.Add((target, ParseExpression()));
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endwith"], out _);
        Next();
        Expect(TokenKind.BlockEnd);
        return new WithStmt(assignments, body, start.Line, start.Column);
    }

    /// <summary>name | name.attr (set only) | a, b | (a, b).</summary>
    Target ParseAssignTarget(bool allowAttribute)
    {
        var start = Current;
        var items = new List<Target>();
        do
        {
            if (Current.Kind == TokenKind.BlockEnd || Current.IsName("in") || Current.IsOp("=")) break;
            items.Add(ParseSingleTarget(allowAttribute && items.Count == 0));
        } while (SkipOp(","));
        if (items.Count == 0) throw Error($"expected an assignment target, got {Current.Describe()}", Current);
        return items.Count == 1 && !_tokens[_index - 1].IsOp(",") ? items[0]
            : new TupleTarget(items, start.Line, start.Column);
    }

    Target ParseSingleTarget(bool allowAttribute)
    {
        var t = Current;
        if (SkipOp("("))
        {
            var inner = ParseAssignTarget(false);
            Expect(TokenKind.Operator, ")");
            return inner;
        }
        var name = Expect(TokenKind.Name);
        if (allowAttribute && SkipOp("."))
        {
            var attr = Expect(TokenKind.Name);
            return new AttributeTarget(name.Text, attr.Text, t.Line, t.Column);
        }
        if (name.Text is "true" or "false" or "none" or "True" or "False" or "None")
            throw Error($"cannot assign to '{name.Text}'", name);
        return new NameTarget(name.Text, t.Line, t.Column);
    }

    // ---------------- expressions ----------------

    /// <summary>An expression, or a tuple if commas follow (`{{ a, b }}`).</summary>
    Expr ParseTuple(bool withCondExpr = true)
    {
        var start = Current;
        var items = new List<Expr>();
        var sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!SkipOp(",")) break;
                sawComma = true;
                if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Current.IsOp(")")
                    || Current.IsName("if") || Current.IsName("in")) break;
            }
            items.Add(withCondExpr ? ParseExpression() : ParseOr());
        }
        return sawComma ? new TupleExpr(items, start.Line, start.Column) : items[0];
    }

    Expr ParseExpression()
    {
        var start = Current;
        Enter(start);
        try
        {
            var expr = ParseOr();
            while (SkipName("if"))
            {
                var test = ParseOr();
                Expr? otherwise = SkipName("else") ? ParseExpression() : null;
                expr = new CondExpr(test, expr, otherwise, start.Line, start.Column);
            }
            return expr;
        }
        finally { _depth--; }
    }

    Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var op = Next();
            left = new OrExpr(left, ParseAnd(), op.Line, op.Column);
        }
        return left;
    }

    Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var op = Next();
            left = new AndExpr(left, ParseNot(), op.Line, op.Column);
        }
        return left;
    }

    Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var op = Next();
            Enter(op);
            try { return new NotExpr(ParseNot(), op.Line, op.Column); }
            finally { _depth--; }
        }
        return ParseCompare();
    }

    static readonly HashSet<string> CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    Expr ParseCompare()
    {
        var start = Current;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOps.Contains(Current.Text))
                rest.Add((Next().Text, ParseMath1()));
            else if (Current.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseMath1()));
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _index += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, start.Line, start.Column);
    }

    Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOp("+") || Current.IsOp("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParseConcat(), op.Line, op.Column);
        }
        return left;
    }

    Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOp("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, ParseMath2(), op.Line, op.Column);
        }
        return left;
    }

    Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.IsOp("*") || Current.IsOp("/") || Current.IsOp("//") || Current.IsOp("%"))
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParsePow(), op.Line, op.Column);
        }
        return left;
    }

    Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOp("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), op.Line, op.Column);
        }
        return left;
    }

    Expr ParseUnary(bool withFilter)
    {
        var t = Current;
        Expr node;
        if (t.IsOp("-") || t.IsOp("+"))
        {
            Next();
            Enter(t);
            try { node = new UnaryExpr(t.Text, ParseUnary(withFilter: false), t.Line, t.Column); }
            finally { _depth--; }
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFilterTestCall(node) : node;
    }

    Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                return t.Text switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Line, t.Column),
                    "false" or "False" => new LiteralExpr(false, t.Line, t.Column),
                    "none" or "None" => new LiteralExpr(null, t.Line, t.Column),
                    _ => new NameExpr(t.Text, t.Line, t.Column),
                };
            case TokenKind.String:
                var text = (string)Next().Value!;
                while (Current.Kind == TokenKind.String) text += (string)Next().Value!;
                return new LiteralExpr(text, t.Line, t.Column);
            case TokenKind.Integer:
            case TokenKind.Float:
                Next();
                return new LiteralExpr(t.Value, t.Line, t.Column);
            case TokenKind.Operator when t.Text == "(":
            {
                Next();
                Enter(t);
                try
                {
                    if (SkipOp(")")) return new TupleExpr([], t.Line, t.Column);
                    var inner = ParseTuple();
                    Expect(TokenKind.Operator, ")");
                    return inner;
                }
                finally { _depth--; }
            }
            case TokenKind.Operator when t.Text == "[":
            {
                Next();
                Enter(t);
                try
                {
                    var items = new List<Expr>();
                    while (!SkipOp("]"))
                    {
                        if (items.Count > 0) Expect(TokenKind.Operator, ",");
                        if (SkipOp("]")) break;
                        items.Add(ParseExpression());
                    }
                    return new ListExpr(items, t.Line, t.Column);
                }
                finally { _depth--; }
            }
            case TokenKind.Operator when t.Text == "{":
            {
                Next();
                Enter(t);
                try
                {
                    var items = new List<(Expr, Expr)>();
                    while (!SkipOp("}"))
                    {
                        if (items.Count > 0) Expect(TokenKind.Operator, ",");
                        if (SkipOp("}")) break;
                        var key = ParseExpression();
                        Expect(TokenKind.Operator, ":");
                        items.Add((key, ParseExpression()));
                    }
                    return new DictExpr(items, t.Line, t.Column);
                }
                finally { _depth--; }
            }
            default:
                throw Error($"unexpected {t.Describe()}", t);
        }
    }

    Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOp("."))
            {
                Next();
                var attr = Current;
                if (attr.Kind == TokenKind.Name) node = new AttributeExpr(node, Next().Text, node.Line, node.Column);
                else if (attr.Kind == TokenKind.Integer)
                    node = new ItemExpr(node, new LiteralExpr(Next().Value, attr.Line, attr.Column), node.Line, node.Column);
                else throw Error($"expected an attribute name after '.', got {attr.Describe()}", attr);
            }
            else if (t.IsOp("["))
            {
                Next();
                node = new ItemExpr(node, ParseSubscript(), node.Line, node.Column);
                Expect(TokenKind.Operator, "]");
            }
            else if (t.IsOp("(")) node = ParseCall(node);
            else return node;
        }
    }

    Expr ParseSubscript()
    {
        var t = Current;
        Expr? start = null, stop = null, step = null;
        if (!t.IsOp(":"))
        {
            start = ParseExpression();
            if (!Current.IsOp(":")) return start;
        }
        Next(); // ':'
        if (!Current.IsOp("]") && !Current.IsOp(":")) stop = ParseExpression();
        if (SkipOp(":") && !Current.IsOp("]")) step = ParseExpression();
        return new SliceExpr(start, stop, step, t.Line, t.Column);
    }

    CallExpr ParseCall(Expr callee)
    {
        Expect(TokenKind.Operator, "(");
        var (args, kwargs) = ParseCallArgs();
        return new CallExpr(callee, args, kwargs, callee.Line, callee.Column);
    }

    /// <summary>After '(' : positional then keyword arguments, up to and including ')'.</summary>
    (List<Expr>, List<(string, Expr)>) ParseCallArgs()
    {
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!SkipOp(")"))
        {
            if (args.Count + kwargs.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOp(")")) break;
            if (Current.IsOp("*") || Current.IsOp("**")) throw Unsupported("'*args'/'**kwargs' in calls", Current);
            if (Current.Kind == TokenKind.Name && Peek().IsOp("="))
            {
                var name = Next().Text;
                Next();
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0) throw Error("positional argument after keyword argument", Current);
                args.Add(ParseExpression());
            }
        }
        return (args, kwargs);
    }

    Expr ParseFilterTestCall(Expr node)
    {
        while (true)
        {
            if (Current.IsOp("|")) node = ParseFilterChain(node);
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOp("(")) node = ParseCall(node);
            else return node;
        }
    }

    /// <summary>One or more `| name(args)`; with requirePipe=false the first filter has no leading pipe.</summary>
    Expr ParseFilterChain(Expr node, bool requirePipe = true)
    {
        var first = true;
        while ((first && !requirePipe) || SkipOp("|"))
        {
            first = false;
            var nameToken = Expect(TokenKind.Name);
            var name = nameToken.Text;
            while (SkipOp(".")) name += "." + Expect(TokenKind.Name).Text;
            if (!Filters.IsKnown(name)) throw Unsupported($"filter '{name}'", nameToken);
            List<Expr> args = [];
            List<(string, Expr)> kwargs = [];
            if (SkipOp("(")) (args, kwargs) = ParseCallArgs();
            node = new FilterExpr(node, name, args, kwargs, nameToken.Line, nameToken.Column);
        }
        return node;
    }

    Expr ParseTest(Expr node)
    {
        Next(); // 'is'
        var negated = SkipName("not");
        var nameToken = Expect(TokenKind.Name);
        var name = nameToken.Text;
        while (SkipOp(".")) name += "." + Expect(TokenKind.Name).Text;
        if (!Tests.IsKnown(name)) throw Unsupported($"test '{name}'", nameToken);
        var args = new List<Expr>();
        var t = Current;
        if (SkipOp("("))
        {
            var (positional, kwargs) = ParseCallArgs();
            if (kwargs.Count > 0) throw Unsupported("keyword arguments to tests", t);
            args = positional;
        }
        else if ((t.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || t.IsOp("[") || t.IsOp("{"))
                 && !t.IsName("else") && !t.IsName("or") && !t.IsName("and"))
        {
            if (t.IsName("is")) throw Error("you cannot chain multiple tests with 'is'", t);
            args.Add(ParsePostfix(ParsePrimary()));
        }
        return new TestExpr(node, name, args, negated, nameToken.Line, nameToken.Column);
    }
}
