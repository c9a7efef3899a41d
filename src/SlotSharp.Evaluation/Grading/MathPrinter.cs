using System.Text;

namespace SlotSharp.Grading;

/// <summary>
/// A canonical text form of a tree (SymPy-like: "2*pi*r", "Interval.open(1, 2)"). Two trees are structurally equal
/// when their texts are equal; the form is also what `slot grade` reports for a parsed answer.
/// </summary>
internal static class MathPrinter
{
    public static string Print(MathNode node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    static void Write(StringBuilder sb, MathNode node)
    {
        switch (node)
        {
            case NumberNode n:
                sb.Append(n.IsFloat ? "Float(" + n.Value + ")" : n.Value.ToString());
                break;
            case SymbolNode s: sb.Append(s.Name); break;
            case ConstantNode c: sb.Append(c.Kind switch { MathConstant.Pi => "pi", MathConstant.E => "E", MathConstant.Infinity => "oo", _ => "I" }); break;
            case SumNode s: Join(sb, s.Terms, " + ", "("); break;
            case ProductNode p: Join(sb, p.Factors, "*", "("); break;
            case PowerNode p:
                sb.Append('('); Write(sb, p.Base); sb.Append(")**("); Write(sb, p.Exponent); sb.Append(')');
                break;
            case FunctionNode f: sb.Append(f.Name); Join(sb, f.Args, ", ", "("); break;
            case TupleNode t: Join(sb, t.Items, ", ", "("); break;
            case SetNode s: Join(sb, s.Items, ", ", "{"); break;
            case IntervalNode i:
                sb.Append("Interval").Append(i.LowOpen ? (i.HighOpen ? ".open" : ".Lopen") : (i.HighOpen ? ".Ropen" : ""));
                Join(sb, [i.Low, i.High], ", ", "(");
                break;
            case UnionNode u: sb.Append("Union"); Join(sb, u.Parts, ", ", "("); break;
            case RelationNode r:
                for (int k = 0; k < r.Operands.Count; k++)
                {
                    if (k > 0) sb.Append(' ').Append(Symbol(r.Kinds[k - 1])).Append(' ');
                    Write(sb, r.Operands[k]);
                }
                break;
            case MatrixNode m:
                sb.Append("Matrix(");
                Join(sb, m.Rows.Select(row => (MathNode)new TupleNode(row)).ToList(), ", ", "[");
                sb.Append(')');
                break;
        }
    }

    static void Join(StringBuilder sb, IReadOnlyList<MathNode> items, string separator, string open)
    {
        sb.Append(open);
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(separator);
            Write(sb, items[i]);
        }
        sb.Append(open switch { "(" => ")", "{" => "}", _ => "]" });
    }

    public static string Symbol(RelationKind kind) => kind switch
    {
        RelationKind.Equal => "=", RelationKind.NotEqual => "!=", RelationKind.Less => "<",
        RelationKind.LessEqual => "<=", RelationKind.Greater => ">", _ => ">=",
    };
}
