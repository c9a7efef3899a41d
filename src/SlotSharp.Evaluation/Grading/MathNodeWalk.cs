namespace SlotSharp.Grading;

/// <summary>Generic traversal helpers over <see cref="MathNode"/> trees.</summary>
internal static class MathNodeWalk
{
    public static IEnumerable<MathNode> Children(MathNode node) => node switch
    {
        SumNode s => s.Terms,
        ProductNode p => p.Factors,
        PowerNode p => [p.Base, p.Exponent],
        FunctionNode f => f.Args,
        TupleNode t => t.Items,
        SetNode s => s.Items,
        IntervalNode i => [i.Low, i.High],
        UnionNode u => u.Parts,
        RelationNode r => r.Operands,
        MatrixNode m => m.Rows.SelectMany(r => r),
        _ => [],
    };

    public static IEnumerable<MathNode> Descendants(MathNode node) => Children(node).SelectMany(Descendants).Prepend(node);

    /// <summary>Rebuilds the tree bottom-up, replacing each symbol by <paramref name="symbol"/>'s result.</summary>
    public static MathNode MapSymbols(MathNode node, Func<SymbolNode, MathNode> symbol)
    {
        MathNode M(MathNode n) => MapSymbols(n, symbol);
        IReadOnlyList<MathNode> L(IReadOnlyList<MathNode> items) => items.Select(M).ToList();
        return node switch
        {
            SymbolNode s => symbol(s),
            SumNode s => new SumNode(L(s.Terms)),
            ProductNode p => new ProductNode(L(p.Factors)),
            PowerNode p => new PowerNode(M(p.Base), M(p.Exponent)),
            FunctionNode f => new FunctionNode(f.Name, L(f.Args)),
            TupleNode t => new TupleNode(L(t.Items)),
            SetNode s => new SetNode(L(s.Items)),
            IntervalNode i => i with { Low = M(i.Low), High = M(i.High) },
            UnionNode u => new UnionNode(L(u.Parts)),
            RelationNode r => new RelationNode(L(r.Operands), r.Kinds),
            MatrixNode m => new MatrixNode(m.Rows.Select(L).ToList()),
            _ => node,
        };
    }

    /// <summary>Variable names in first-appearance order (e and E are Euler's number, not variables).</summary>
    public static List<string> FreeSymbols(MathNode node) =>
        Descendants(node).OfType<SymbolNode>().Where(s => !NumericEvaluator.IsEuler(s)).Select(s => s.Name).Distinct().ToList();

    public static bool HasFloat(MathNode node) => Descendants(node).Any(n => n is NumberNode { IsFloat: true });
}
