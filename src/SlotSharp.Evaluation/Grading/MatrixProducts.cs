namespace SlotSharp.Grading;

/// <summary>
/// Multiplies out products of matrices (and scalar factors) so "A·B" compares with the matrix it equals;
/// Math-Verify evaluates such products before comparing matrices element by element.
/// </summary>
internal static class MatrixProducts
{
    /// <summary>The product as one matrix, or the node unchanged when it is not a product involving a matrix.</summary>
    public static MathNode Evaluate(MathNode node)
    {
        if (node is not ProductNode p || !p.Factors.Any(f => f is MatrixNode)) return node;
        MatrixNode? result = null;
        var scalars = new List<MathNode>();
        foreach (var f in p.Factors)
        {
            if (f is not MatrixNode m) { scalars.Add(f); continue; }
            result = result is null ? m : Multiply(result, m) ?? throw new MathEvaluationException("matrix shapes do not match");
        }
        if (scalars.Count == 0) return result!;
        return new MatrixNode(result!.Rows.Select(row => (IReadOnlyList<MathNode>)row.Select(x => (MathNode)new ProductNode([.. scalars, x])).ToList()).ToList());
    }

    static MatrixNode? Multiply(MatrixNode a, MatrixNode b)
    {
        int n = a.Rows.Count, inner = a.Rows[0].Count, m = b.Rows[0].Count;
        if (b.Rows.Count != inner) return null;
        var rows = new List<IReadOnlyList<MathNode>>();
        for (int i = 0; i < n; i++)
        {
            var row = new List<MathNode>();
            for (int j = 0; j < m; j++)
                row.Add(new SumNode(Enumerable.Range(0, inner).Select(k => (MathNode)new ProductNode([a.Rows[i][k], b.Rows[k][j]])).ToList()));
            rows.Add(row);
        }
        return new MatrixNode(rows);
    }
}
