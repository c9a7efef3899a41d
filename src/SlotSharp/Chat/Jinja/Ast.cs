namespace SlotSharp.Chat.Jinja;

/// <summary>Base of all syntax nodes; Line/Column locate errors.</summary>
abstract record Node(int Line, int Column);

// ----- statements -----
abstract record Stmt(int Line, int Column) : Node(Line, Column);
sealed record TextStmt(string Text, int Line, int Column) : Stmt(Line, Column);
sealed record PrintStmt(Expr Value, int Line, int Column) : Stmt(Line, Column);
sealed record IfStmt(IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else, int Line, int Column)
    : Stmt(Line, Column);
sealed record ForStmt(Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else,
    int Line, int Column) : Stmt(Line, Column);
sealed record SetStmt(Target Target, Expr Value, int Line, int Column) : Stmt(Line, Column);
/// <summary>{% set x | filters %}body{% endset %}: Filter is applied to the captured body (via a placeholder name).</summary>
sealed record SetBlockStmt(Target Target, IReadOnlyList<Stmt> Body, Expr? Filter, int Line, int Column) : Stmt(Line, Column);
sealed record MacroStmt(string Name, IReadOnlyList<MacroParam> Params, IReadOnlyList<Stmt> Body, int Line, int Column)
    : Stmt(Line, Column);
sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<MacroParam> CallerParams, IReadOnlyList<Stmt> Body, int Line, int Column)
    : Stmt(Line, Column);
sealed record FilterBlockStmt(Expr Filter, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);
sealed record WithStmt(IReadOnlyList<(Target Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body, int Line, int Column)
    : Stmt(Line, Column);
sealed record BreakStmt(int Line, int Column) : Stmt(Line, Column);
sealed record ContinueStmt(int Line, int Column) : Stmt(Line, Column);

sealed record MacroParam(string Name, Expr? Default);

// ----- assignment targets -----
abstract record Target(int Line, int Column) : Node(Line, Column);
sealed record NameTarget(string Name, int Line, int Column) : Target(Line, Column);
sealed record TupleTarget(IReadOnlyList<Target> Items, int Line, int Column) : Target(Line, Column);
/// <summary>ns.attr: only namespaces accept attribute assignment.</summary>
sealed record AttributeTarget(string Object, string Attribute, int Line, int Column) : Target(Line, Column);

// ----- expressions -----
abstract record Expr(int Line, int Column) : Node(Line, Column);
sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);
sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);
sealed record ListExpr(IReadOnlyList<Expr> Items, int Line, int Column) : Expr(Line, Column);
sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line, int Column) : Expr(Line, Column);
sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items, int Line, int Column) : Expr(Line, Column);
sealed record AttributeExpr(Expr Object, string Attribute, int Line, int Column) : Expr(Line, Column);
sealed record ItemExpr(Expr Object, Expr Index, int Line, int Column) : Expr(Line, Column);
sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);
sealed record CallExpr(Expr Callee, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs, int Line, int Column)
    : Expr(Line, Column);
/// <summary>value | name(args). Filter blocks apply their chain to a NameExpr of <see cref="Parser.CapturedName"/>.</summary>
sealed record FilterExpr(Expr Value, string Name, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs,
    int Line, int Column) : Expr(Line, Column);
sealed record TestExpr(Expr Value, string Name, IReadOnlyList<Expr> Args, bool Negated, int Line, int Column) : Expr(Line, Column);
sealed record UnaryExpr(string Op, Expr Operand, int Line, int Column) : Expr(Line, Column);
sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
sealed record CompareExpr(Expr First, IReadOnlyList<(string Op, Expr Right)> Rest, int Line, int Column) : Expr(Line, Column);
sealed record AndExpr(Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
sealed record OrExpr(Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
sealed record NotExpr(Expr Operand, int Line, int Column) : Expr(Line, Column);
sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);
