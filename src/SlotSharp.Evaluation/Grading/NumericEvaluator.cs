using System.Numerics;

namespace SlotSharp.Grading;

/// <summary>Why a tree has no numeric value (a set, a relation, an unknown function).</summary>
internal sealed class MathEvaluationException(string message) : Exception(message);

/// <summary>
/// Values of scalar trees: exactly (<see cref="TryExact"/>, for numbers built from rationals) or as complex doubles
/// with each variable bound to a value (<see cref="Evaluate"/>). Comparing two expressions at a few variable
/// bindings plays the role of SymPy's evalf and simplify(gold - pred) == 0.
/// </summary>
internal static class NumericEvaluator
{
    /// <summary>The exact rational value, or null when the tree holds anything but rationals, + and integer powers.</summary>
    public static BigRational? TryExact(MathNode node) => node switch
    {
        NumberNode n => n.Value,
        SumNode s => Fold(s.Terms, BigRational.Zero, (a, b) => a + b),
        ProductNode p => Fold(p.Factors, BigRational.One, (a, b) => a * b),
        PowerNode { Exponent: var e } pw when TryExact(e) is { IsInteger: true } k && TryExact(pw.Base) is { } b
            => k.Sign < 0 && b.Sign == 0 ? null : BigRational.Pow(b, k.Numerator),
        _ => null,
    };

    static BigRational? Fold(IReadOnlyList<MathNode> items, BigRational seed, Func<BigRational, BigRational, BigRational> op)
    {
        var acc = seed;
        foreach (var item in items)
        {
            if (TryExact(item) is not { } v) return null;
            acc = op(acc, v);
        }
        return acc;
    }

    /// <summary>The real value of a tree without variables; null when it has variables, is not real or not scalar.</summary>
    public static double? TryReal(MathNode node)
    {
        try
        {
            var v = Evaluate(node, _ => throw new MathEvaluationException("has variables"));
            return Math.Abs(v.Imaginary) <= 1e-12 * Math.Max(1, Math.Abs(v.Real)) && !double.IsNaN(v.Real) ? v.Real : null;
        }
        catch (MathEvaluationException) { return null; }
    }

    public static Complex Evaluate(MathNode node, Func<SymbolNode, Complex> variable) => node switch
    {
        NumberNode n => n.Value.ToDouble(),
        SymbolNode s => IsEuler(s) ? Math.E : variable(s),
        ConstantNode c => c.Kind switch
        {
            MathConstant.Pi => Math.PI,
            MathConstant.E => Math.E,
            MathConstant.Infinity => double.PositiveInfinity,
            _ => Complex.ImaginaryOne,
        },
        SumNode s => s.Terms.Aggregate(Complex.Zero, (acc, t) => acc + Evaluate(t, variable)),
        ProductNode p => p.Factors.Aggregate(Complex.One, (acc, f) => acc * Evaluate(f, variable)),
        PowerNode p => Power(p, variable),
        FunctionNode f => Function(f, variable),
        _ => throw new MathEvaluationException($"{node.GetType().Name} has no numeric value"),
    };

    /// <summary>A lone e or E is Euler's number (latex2sympy reads it so; Math-Verify matches it with E).</summary>
    public static bool IsEuler(SymbolNode s) => s.Name is "e" or "E";

    static Complex Power(PowerNode p, Func<SymbolNode, Complex> variable)
    {
        var b = Evaluate(p.Base, variable);
        if (TryExact(p.Exponent) is { } k)
        {
            if (k.IsInteger && BigInteger.Abs(k.Numerator) <= 64) return Complex.Pow(b, (int)k.Numerator);
            // Real odd roots of negative reals stay real (SymPy would pick the principal root; answers mean the real one).
            if (b.Imaginary == 0 && b.Real < 0 && !k.Denominator.IsEven && k.Denominator <= 64)
                return -Math.Pow(-b.Real, k.ToDouble()) * (k.Numerator.IsEven ? -1 : 1);
            if (b.Imaginary == 0 && b.Real >= 0) return Math.Pow(b.Real, k.ToDouble());
        }
        var e = Evaluate(p.Exponent, variable);
        if (b.Imaginary == 0 && e.Imaginary == 0 && b.Real > 0) return Math.Pow(b.Real, e.Real);
        return Complex.Pow(b, e);
    }

    static Complex Function(FunctionNode f, Func<SymbolNode, Complex> variable)
    {
        var args = f.Args.Select(a => Evaluate(a, variable)).ToArray();
        Complex x = args[0];
        return f.Name switch
        {
            "sin" => Complex.Sin(x), "cos" => Complex.Cos(x), "tan" => Complex.Tan(x),
            "sec" => 1 / Complex.Cos(x), "csc" => 1 / Complex.Sin(x), "cot" => 1 / Complex.Tan(x),
            "arcsin" => Complex.Asin(x), "arccos" => Complex.Acos(x), "arctan" => Complex.Atan(x),
            "sinh" => Complex.Sinh(x), "cosh" => Complex.Cosh(x), "tanh" => Complex.Tanh(x),
            "ln" => Complex.Log(x), "exp" => Complex.Exp(x),
            "log" => args.Length > 1 ? Complex.Log(x) / Complex.Log(args[1]) : Complex.Log(x),
            "abs" => Complex.Abs(x),
            "floor" when x.Imaginary == 0 => Math.Floor(x.Real),
            "ceiling" when x.Imaginary == 0 => Math.Ceiling(x.Real),
            "factorial" when x.Imaginary == 0 && x.Real >= 0 && x.Real <= 170 && x.Real == Math.Floor(x.Real) => Factorial((int)x.Real),
            "binomial" when args.Length == 2 => Binomial(x, args[1]),
            _ => throw new MathEvaluationException($"cannot evaluate {f.Name}"),
        };
    }

    static double Factorial(int n)
    {
        double r = 1;
        for (int i = 2; i <= n; i++) r *= i;
        return r;
    }

    static Complex Binomial(Complex n, Complex k)
    {
        if (n.Imaginary != 0 || k.Imaginary != 0 || k.Real != Math.Floor(k.Real) || k.Real < 0 || k.Real > 170)
            throw new MathEvaluationException("binomial needs a small integer k");
        double r = 1;
        for (int i = 0; i < (int)k.Real; i++) r = r * (n.Real - i) / (i + 1);
        return r;
    }
}
