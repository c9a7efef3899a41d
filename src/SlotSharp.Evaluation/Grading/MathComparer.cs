using System.Diagnostics;
using System.Numerics;

namespace SlotSharp.Grading;

/// <summary>
/// Math-Verify's verify() decision for one (gold, prediction) pair of parsed values, in its order: equation
/// reshaping, relation-versus-set, structural equality, relations, sets/tuples/intervals, words, then numbers
/// (exact when both are rational, rounded to float_rounding places when a written decimal meets a number, else a
/// numeric test of gold - prediction at several variable bindings). Not symmetric: the first argument is the gold.
/// </summary>
internal sealed class MathComparer(GradingOptions options)
{
    /// <summary>Variable bindings tried by the numeric test; an identity must hold at all of them.</summary>
    const int SamplePoints = 4;

    Stopwatch _clock = new();

    public bool Equal(MathNode gold, MathNode prediction)
    {
        _clock = Stopwatch.StartNew();
        if (!options.Strict) prediction = RenameVariables(gold, prediction);
        try { return Eq(gold, prediction, 0); }
        catch (MathEvaluationException) { return false; }
        catch (ArithmeticException) { return false; }
    }

    static MathNode RenameVariables(MathNode gold, MathNode prediction)
    {
        var goldNames = MathNodeWalk.FreeSymbols(gold).Order(StringComparer.Ordinal).ToList();
        var predNames = MathNodeWalk.FreeSymbols(prediction).Order(StringComparer.Ordinal).ToList();
        if (goldNames.Count != predNames.Count || goldNames.Count == 0) return prediction;
        var map = predNames.Zip(goldNames).ToDictionary(x => x.First, x => x.Second);
        return MathNodeWalk.MapSymbols(prediction, s => map.TryGetValue(s.Name, out var name) ? s with { Name = name } : s);
    }

    bool Eq(MathNode g, MathNode p, int depth)
    {
        if (depth > options.MaxDepth || _clock.Elapsed.TotalSeconds > options.TimeoutSeconds)
            throw new MathEvaluationException("comparison too deep or too slow");
        g = RelationShapes.CutEqualityChain(g);
        p = RelationShapes.CutEqualityChain(p);
        if (RelationShapes.IsEquation(p) && g is not RelationNode) p = ((RelationNode)p).Rhs;
        if (RelationShapes.IsAssignment(g) && p is not RelationNode) g = ((RelationNode)g).Rhs;
        if (g is RelationNode gr && IsSetLike(p) && RelationShapes.ToSet(gr) is { } goldSet) g = goldSet;
        if (options.AllowSetRelationComparison && p is RelationNode pr && IsSetLike(g) && RelationShapes.ToSet(pr) is { } predSet) p = predSet;

        if (MathPrinter.Print(g) == MathPrinter.Print(p)) return true;
        if (g is RelationNode gRel && p is RelationNode pRel) return RelationsEqual(gRel, pRel, depth);
        if (g is RelationNode || p is RelationNode) return false;
        if (IsCollection(g) || IsCollection(p)) return CollectionsEqual(g, p, depth);
        g = MatrixProducts.Evaluate(g);
        p = MatrixProducts.Evaluate(p);
        if (g is MatrixNode gm && p is MatrixNode pm) return MatricesEqual(gm, pm, depth);
        if (g is MatrixNode || p is MatrixNode) return false;
        if (WordsEqual(g, p) is { } words) return words;
        return ScalarsEqual(g, p);
    }

    static bool IsSetLike(MathNode n) => n is SetNode or IntervalNode or UnionNode;
    static bool IsCollection(MathNode n) => n is SetNode or IntervalNode or UnionNode or TupleNode;

    bool RelationsEqual(RelationNode g, RelationNode p, int depth)
    {
        if (g.Kinds.Count != p.Kinds.Count) return false;
        bool sameKinds = g.Kinds.SequenceEqual(p.Kinds);
        bool mirrored = g.Kinds.SequenceEqual(p.Kinds.Reverse().Select(RelationShapes.Mirror));
        if (sameKinds && g.Operands.Zip(p.Operands).All(x => Eq(x.First, x.Second, depth + 1))) return true;
        if (mirrored && g.Operands.Zip(p.Operands.Reverse()).All(x => Eq(x.First, x.Second, depth + 1))) return true;
        if (g.IsChain) return false;
        // One relation each: compare lhs - rhs up to a constant factor (positive for the same direction of an
        // inequality, negative for the mirrored one), which is what solving both for their variables decides.
        var kind = g.Kinds[0];
        bool isOrder = kind is not (RelationKind.Equal or RelationKind.NotEqual);
        int requiredSign = !isOrder ? 0 : p.Kinds[0] == kind ? 1 : p.Kinds[0] == RelationShapes.Mirror(kind) ? -1 : 99;
        if (requiredSign == 99 || (!isOrder && p.Kinds[0] != kind)) return false;
        return Proportional(Build.Sub(g.Lhs, g.Rhs), Build.Sub(p.Lhs, p.Rhs), requiredSign);
    }

    bool Proportional(MathNode a, MathNode b, int requiredSign)
    {
        var vars = MathNodeWalk.FreeSymbols(a).Union(MathNodeWalk.FreeSymbols(b)).ToList();
        double? ratio = null;
        for (int k = 0; k < SamplePoints; k++)
        {
            var x = NumericEvaluator.Evaluate(a, s => Bind(s, k));
            var y = NumericEvaluator.Evaluate(b, s => Bind(s, k));
            if (!IsFinite(x) || !IsFinite(y)) continue;
            if (Close(y, 0) || Close(x, 0))
            {
                if (Close(y, 0) && Close(x, 0)) continue;
                return false;
            }
            var r = x / y;
            if (Math.Abs(r.Imaginary) > 1e-9 * Math.Abs(r.Real)) return false;
            if (ratio is { } seen && !Close(r.Real, seen)) return false;
            ratio = r.Real;
            if (vars.Count == 0) break;
        }
        return ratio is { } found && (requiredSign == 0 || Math.Sign(found) == requiredSign);
    }

    bool CollectionsEqual(MathNode g, MathNode p, int depth)
    {
        if (!IsCollection(g)) g = new SetNode([g]);
        if (!IsCollection(p)) p = new SetNode([p]);
        switch (g, p)
        {
            case (IntervalNode a, IntervalNode b):
                return a.LowOpen == b.LowOpen && a.HighOpen == b.HighOpen && Eq(a.Low, b.Low, depth + 1) && Eq(a.High, b.High, depth + 1);
            case (IntervalNode { LowOpen: true, HighOpen: true } a, _) when Items(p) is { Count: 2 } pi:
                return Eq(a.Low, pi[0], depth + 1) && Eq(a.High, pi[1], depth + 1);
            case (_, IntervalNode { LowOpen: true, HighOpen: true } b) when Items(g) is { Count: 2 } gi:
                return Eq(gi[0], b.Low, depth + 1) && Eq(gi[1], b.High, depth + 1);
            case (UnionNode a, UnionNode b):
                return Matching(a.Parts, b.Parts, depth);
            case (TupleNode a, TupleNode b):
                return a.Items.Count == b.Items.Count && a.Items.Zip(b.Items).All(x => Eq(x.First, x.Second, depth + 1));
            case (TupleNode a, SetNode b):
                // A tuple gold keeps order, and the set prediction is read in the order it was written.
                return a.Items.Count == Distinct(b.Items).Count && a.Items.Zip(Distinct(b.Items)).All(x => Eq(x.First, x.Second, depth + 1));
            case (SetNode a, SetNode or TupleNode):
                return Matching(Distinct(a.Items), Distinct(Items(p)!), depth);
            default:
                return false;
        }
    }

    static IReadOnlyList<MathNode>? Items(MathNode n) => n switch { TupleNode t => t.Items, SetNode s => s.Items, _ => null };

    static List<MathNode> Distinct(IReadOnlyList<MathNode> items) => items.DistinctBy(MathPrinter.Print).ToList();

    /// <summary>Equal sizes and a one-to-one pairing of equal elements (order does not matter in a set).</summary>
    bool Matching(IReadOnlyList<MathNode> gold, IReadOnlyList<MathNode> pred, int depth)
    {
        if (gold.Count != pred.Count) return false;
        var used = new bool[pred.Count];
        foreach (var g in gold)
        {
            int found = -1;
            for (int j = 0; j < pred.Count && found < 0; j++)
                if (!used[j] && Eq(g, pred[j], depth + 1)) found = j;
            if (found < 0) return false;
            used[found] = true;
        }
        return true;
    }

    bool MatricesEqual(MatrixNode g, MatrixNode p, int depth) =>
        g.Rows.Count == p.Rows.Count && g.Rows.Zip(p.Rows).All(r => r.First.Count == r.Second.Count && r.First.Zip(r.Second).All(x => Eq(x.First, x.Second, depth + 1)));

    /// <summary>\text{Word} against a product of letters or another word: same letters ignoring case. Null: not words.</summary>
    static bool? WordsEqual(MathNode g, MathNode p)
    {
        var a = Letters(g);
        var b = Letters(p);
        if (a is null || b is null) return null;
        if (a.Length == 1 && b.Length == 1 && !(g is SymbolNode { IsText: true } || p is SymbolNode { IsText: true })) return null;
        return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    static string? Letters(MathNode n) => n switch
    {
        SymbolNode s when s.Name.Length > 1 || s.IsText => s.Name.Replace(" ", ""),
        ProductNode pr when pr.Factors.All(f => f is SymbolNode { Name.Length: 1 }) => string.Concat(pr.Factors.Cast<SymbolNode>().Select(s => s.Name)),
        _ => null,
    };

    bool ScalarsEqual(MathNode g, MathNode p)
    {
        var exactG = NumericEvaluator.TryExact(g);
        var exactP = NumericEvaluator.TryExact(p);
        if ((IsPlainNumber(g) || IsPlainNumber(p)) && (MathNodeWalk.HasFloat(g) || MathNodeWalk.HasFloat(p)))
        {
            if (exactG is { } eg && exactP is { } ep) return eg.RoundToDecimals(options.FloatRounding) == ep.RoundToDecimals(options.FloatRounding);
            if (!options.RoundFloatAgainstExpression) return false;
            if (NumericEvaluator.TryReal(g) is { } rg && NumericEvaluator.TryReal(p) is { } rp)
                return RoundedEqual(rg, rp);
        }
        if (exactG is { } xg && exactP is { } xp) return xg == xp;
        return NumericallyEqual(g, p);
    }

    bool RoundedEqual(double a, double b)
    {
        int places = Math.Clamp(options.FloatRounding, 0, 15);
        return Close(Math.Round(a, places, MidpointRounding.ToEven), Math.Round(b, places, MidpointRounding.ToEven));
    }

    static bool IsPlainNumber(MathNode n) => n switch
    {
        NumberNode => true,
        ProductNode p => p.Factors.All(f => f is NumberNode),
        _ => false,
    };

    bool NumericallyEqual(MathNode g, MathNode p)
    {
        bool anyPoint = false;
        bool hasVars = MathNodeWalk.FreeSymbols(g).Count + MathNodeWalk.FreeSymbols(p).Count > 0;
        for (int k = 0; k < (hasVars ? SamplePoints : 1); k++)
        {
            var a = NumericEvaluator.Evaluate(g, s => Bind(s, k));
            var b = NumericEvaluator.Evaluate(p, s => Bind(s, k));
            if (!IsFinite(a) || !IsFinite(b))
            {
                if (a == b) { anyPoint = true; continue; } // both +∞, say
                if (hasVars) continue;
                return false;
            }
            if (!Close(a, b)) return false;
            anyPoint = true;
        }
        return anyPoint;
    }

    double Tolerance => Math.Pow(10, -Math.Clamp(options.NumericPrecision - 4, 6, 14));

    bool Close(Complex a, Complex b) => Complex.Abs(a - b) <= Tolerance * Math.Max(1, Math.Max(Complex.Abs(a), Complex.Abs(b)));

    static bool IsFinite(Complex c) => double.IsFinite(c.Real) && double.IsFinite(c.Imaginary);

    /// <summary>A deterministic value per (variable, point) in [0.6, 2.6): distinct names get unrelated values.</summary>
    static Complex Bind(SymbolNode s, int point)
    {
        var name = s.IsText ? s.Name.ToLowerInvariant() : s.Name;
        ulong h = 1469598103934665603;
        foreach (var ch in name) h = (h ^ ch) * 1099511628211;
        h = (h ^ (ulong)(point + 1)) * 1099511628211;
        h ^= h >> 29;
        return 0.6 + (h % 1_000_003) / 500_001.5;
    }
}
