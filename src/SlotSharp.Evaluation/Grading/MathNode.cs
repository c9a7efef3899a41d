namespace SlotSharp.Grading;

/// <summary>
/// A parsed answer: an unevaluated expression tree (the role SymPy objects play in Math-Verify). Subtraction is a
/// sum with a -1 factor and division a power with exponent -1, so every comparison sees one canonical shape.
/// Equality of trees is decided by <see cref="MathPrinter"/> text, never by record equality (lists compare by reference).
/// </summary>
internal abstract record MathNode;

/// <summary>A literal number; <paramref name="IsFloat"/> marks written decimals ("0.5"), which compare with rounding.</summary>
internal sealed record NumberNode(BigRational Value, bool IsFloat = false) : MathNode
{
    public static readonly NumberNode MinusOne = new(BigRational.FromInteger(-1));
    public static NumberNode Of(long value) => new(BigRational.FromInteger(value));
}

/// <summary>A variable. <paramref name="IsText"/>: it came from \text{...} (a word), which compares ignoring case.</summary>
internal sealed record SymbolNode(string Name, bool IsText = false) : MathNode;

internal enum MathConstant { Pi, E, Infinity, ImaginaryUnit }

internal sealed record ConstantNode(MathConstant Kind) : MathNode;

internal sealed record SumNode(IReadOnlyList<MathNode> Terms) : MathNode;

internal sealed record ProductNode(IReadOnlyList<MathNode> Factors) : MathNode;

internal sealed record PowerNode(MathNode Base, MathNode Exponent) : MathNode;

/// <summary>sin, cos, log, abs, factorial, ... applied to arguments (log's second argument is the base).</summary>
internal sealed record FunctionNode(string Name, IReadOnlyList<MathNode> Args) : MathNode;

internal sealed record TupleNode(IReadOnlyList<MathNode> Items) : MathNode;

internal sealed record SetNode(IReadOnlyList<MathNode> Items) : MathNode;

internal sealed record IntervalNode(MathNode Low, MathNode High, bool LowOpen, bool HighOpen) : MathNode;

internal sealed record UnionNode(IReadOnlyList<MathNode> Parts) : MathNode;

internal enum RelationKind { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual }

/// <summary>A relation or a chain of them: Operands[i] Kinds[i] Operands[i+1].</summary>
internal sealed record RelationNode(IReadOnlyList<MathNode> Operands, IReadOnlyList<RelationKind> Kinds) : MathNode
{
    public static RelationNode Of(MathNode lhs, RelationKind kind, MathNode rhs) => new([lhs, rhs], [kind]);
    public MathNode Lhs => Operands[0];
    public MathNode Rhs => Operands[^1];
    public bool IsChain => Kinds.Count > 1;
}

internal sealed record MatrixNode(IReadOnlyList<IReadOnlyList<MathNode>> Rows) : MathNode;

/// <summary>Builders that keep trees in the canonical shapes described on <see cref="MathNode"/>.</summary>
internal static class Build
{
    public static MathNode Neg(MathNode x) => x is NumberNode n ? new NumberNode(-n.Value, n.IsFloat) : Mul(NumberNode.MinusOne, x);
    public static MathNode Add(MathNode a, MathNode b) => new SumNode([.. Terms(a), .. Terms(b)]);
    public static MathNode Sub(MathNode a, MathNode b) => Add(a, Neg(b));
    public static MathNode Mul(MathNode a, MathNode b) => new ProductNode([.. Factors(a), .. Factors(b)]);
    public static MathNode Div(MathNode a, MathNode b) => Mul(a, new PowerNode(b, NumberNode.MinusOne));
    public static MathNode Sqrt(MathNode x) => new PowerNode(x, new NumberNode(new BigRational(1, 2)));
    public static MathNode Percent(MathNode x) => Mul(x, new NumberNode(new BigRational(1, 100)));

    static IEnumerable<MathNode> Terms(MathNode x) => x is SumNode s ? s.Terms : [x];
    static IEnumerable<MathNode> Factors(MathNode x) => x is ProductNode p ? p.Factors : [x];
}
