namespace SlotSharp.Grading;

/// <summary>
/// The reshaping Math-Verify's verify applies to equations and inequalities before comparing: chains of "=" cut to
/// first = last, assignments ("x = 5", "f(x) = 1", "|AB| = 1") reduced to their value against a non-equation, and
/// inequalities on one variable turned into intervals so they can meet a set answer.
/// </summary>
internal static class RelationShapes
{
    public static bool IsEquation(MathNode node) => node is RelationNode { IsChain: false, Kinds: [RelationKind.Equal] };

    /// <summary>"x = 5+5+1 = 7 = 11" becomes "x = 11"; other relations are returned unchanged.</summary>
    public static MathNode CutEqualityChain(MathNode node) =>
        node is RelationNode { IsChain: true } r && r.Kinds.All(k => k == RelationKind.Equal) ? RelationNode.Of(r.Lhs, RelationKind.Equal, r.Rhs) : node;

    /// <summary>An equation whose left side is built from variables only (no numbers): "x", "(p, q)", "f(x)", "A:B".</summary>
    public static bool IsAssignment(MathNode node) => IsEquation(node) && IsVariablesOnly(((RelationNode)node).Lhs);

    static bool IsVariablesOnly(MathNode node) => node switch
    {
        SymbolNode => true,
        FunctionNode f => f.Args.All(IsVariablesOnly),
        ProductNode p => p.Factors.All(IsVariablesOnly),
        SumNode s => s.Terms.All(IsVariablesOnly),
        PowerNode { Exponent: NumberNode e } p => e.Value == BigRational.FromInteger(-1) && IsVariablesOnly(p.Base),
        TupleNode t => t.Items.All(IsVariablesOnly),
        _ => false,
    };

    public static bool IsInequality(MathNode node) =>
        node is RelationNode r && r.Kinds.All(k => k is RelationKind.Less or RelationKind.LessEqual or RelationKind.Greater or RelationKind.GreaterEqual);

    public static RelationKind Mirror(RelationKind kind) => kind switch
    {
        RelationKind.Less => RelationKind.Greater,
        RelationKind.Greater => RelationKind.Less,
        RelationKind.LessEqual => RelationKind.GreaterEqual,
        RelationKind.GreaterEqual => RelationKind.LessEqual,
        _ => kind,
    };

    static bool HasVariables(MathNode node) => NumericEvaluator.TryReal(node) is null && node is not ConstantNode { Kind: MathConstant.Infinity };

    /// <summary>
    /// The set an inequality describes when one side is the variable part and the rest are numbers: "x ≥ 5" is
    /// [5, ∞), "-793 &lt; a &lt; 10" is (-793, 10), "1 ≤ |z| ≤ 3/2" is [-3/2, -1] ∪ [1, 3/2]. Null otherwise.
    /// </summary>
    public static MathNode? ToSet(RelationNode r)
    {
        if (!IsInequality(r)) return null;
        MathNode negInf = Build.Neg(new ConstantNode(MathConstant.Infinity)), inf = new ConstantNode(MathConstant.Infinity);
        if (r.Kinds.Count == 1)
        {
            var (variable, bound, kind) = HasVariables(r.Lhs) && !HasVariables(r.Rhs) ? (r.Lhs, r.Rhs, r.Kinds[0])
                : HasVariables(r.Rhs) && !HasVariables(r.Lhs) ? (r.Rhs, r.Lhs, Mirror(r.Kinds[0])) : (null, null, r.Kinds[0]);
            if (variable is null || bound is null) return null;
            bool strict = kind is RelationKind.Less or RelationKind.Greater;
            var interval = kind is RelationKind.Less or RelationKind.LessEqual
                ? new IntervalNode(negInf, bound, true, strict) : new IntervalNode(bound, inf, strict, true);
            return variable is FunctionNode { Name: "abs" } ? AbsoluteValue(interval) : interval;
        }
        if (r.Kinds.Count == 2 && HasVariables(r.Operands[1]) && !HasVariables(r.Operands[0]) && !HasVariables(r.Operands[2]))
        {
            bool increasing = r.Kinds.All(k => k is RelationKind.Less or RelationKind.LessEqual);
            bool decreasing = r.Kinds.All(k => k is RelationKind.Greater or RelationKind.GreaterEqual);
            if (!increasing && !decreasing) return null;
            var (low, high) = increasing ? (0, 2) : (2, 0);
            var (lowKind, highKind) = increasing ? (r.Kinds[0], r.Kinds[1]) : (r.Kinds[1], r.Kinds[0]);
            var interval = new IntervalNode(r.Operands[low], r.Operands[high],
                lowKind is RelationKind.Less or RelationKind.Greater, highKind is RelationKind.Less or RelationKind.Greater);
            return r.Operands[1] is FunctionNode { Name: "abs" } ? AbsoluteValue(interval) : interval;
        }
        return null;
    }

    /// <summary>|v| in [a, b] with a ≥ 0 means v in [-b, -a] ∪ [a, b].</summary>
    static MathNode? AbsoluteValue(IntervalNode i)
    {
        if (NumericEvaluator.TryReal(i.Low) is not { } low || low < 0) return null;
        var negative = new IntervalNode(Build.Neg(i.High), Build.Neg(i.Low), i.HighOpen, i.LowOpen);
        return new UnionNode([negative, i]);
    }
}
