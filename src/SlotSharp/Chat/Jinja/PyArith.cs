using System.Numerics;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// Python arithmetic on the value model (int/float promotion, arbitrary-precision ints, str/list/tuple + and *,
/// floor division). New strings, lists and ints are charged to the render's budgets before they are built.
/// </summary>
static class PyArith
{
    public static object? Binary(string op, object? a, object? b, MemoryBudget budget, IntegerBounds ints)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        return op switch
        {
            "+" => Add(a, b, budget, ints),
            "-" => Numeric(op, a, b, ints, Math.Max(PyInt.BitLength(a), PyInt.BitLength(b)) + 1,
                (x, y) => x - y, (x, y) => x - y),
            "*" => Multiply(a, b, budget, ints),
            "/" => TrueDivide(a, b),
            "//" => FloorDivide(a, b, ints),
            "%" => Modulo(a, b, ints),
            "**" => Power(a, b, ints),
            _ => throw new InvalidOperationException(op),
        };
    }

    static TemplateRuntimeError Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");

    /// <summary>
    /// An int/float operation. Ints are computed exactly in BigInteger (then normalized back to long); the
    /// result's size is bounded by <paramref name="resultBits"/>, estimated from the operands, before computing.
    /// </summary>
    static object Numeric(string op, object? a, object? b, IntegerBounds ints, double resultBits,
        Func<BigInteger, BigInteger, BigInteger> onInts, Func<double, double, double> onFloats)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported(op, a, b);
        if (a is double || b is double) return onFloats(PyOps.ToDouble(a), PyOps.ToDouble(b));
        ints.Reserve(resultBits);
        return ints.Result(onInts(PyInt.ToBig(a), PyInt.ToBig(b)));
    }

    static object? Add(object? a, object? b, MemoryBudget budget, IntegerBounds ints)
    {
        switch (a)
        {
            case string s:
                if (b is not string t) throw new TemplateRuntimeError($"can only concatenate str (not \"{PyOps.TypeName(b)}\") to str");
                budget.Chars((long)s.Length + t.Length);
                return s + t;
            case List<object?> l:
                if (b is not List<object?> m) throw new TemplateRuntimeError($"can only concatenate list (not \"{PyOps.TypeName(b)}\") to list");
                budget.Items((long)l.Count + m.Count);
                return new List<object?>([.. l, .. m]);
            case object?[] t1 when b is object?[] t2:
                budget.Items((long)t1.Length + t2.Length);
                return t1.Concat(t2).ToArray();
        }
        return Numeric("+", a, b, ints, Math.Max(PyInt.BitLength(a), PyInt.BitLength(b)) + 1, (x, y) => x + y, (x, y) => x + y);
    }

    static object? Multiply(object? a, object? b, MemoryBudget budget, IntegerBounds ints)
    {
        if (a is string or List<object?> && PyInt.IsInt(b)) return Repeat(a, b, budget);
        if (b is string or List<object?> && PyInt.IsInt(a)) return Repeat(b, a, budget);
        return Numeric("*", a, b, ints, PyInt.BitLength(a) + PyInt.BitLength(b), (x, y) => x * y, (x, y) => x * y);
    }

    static object Repeat(object? seq, object? count, MemoryBudget budget)
    {
        var big = PyInt.ToBig(count);
        var times = big > long.MaxValue ? long.MaxValue : (long)BigInteger.Max(big, 0);
        if (seq is string s)
        {
            if (times == 0 || s.Length == 0) return "";
            return budget.Text().Repeat(s, times).ToString();
        }
        var list = (List<object?>)seq!;
        if (times == 0 || list.Count == 0) return new List<object?>();
        if (times > long.MaxValue / list.Count) throw new LimitExceededError($"repetition would produce more than {long.MaxValue} items");
        budget.Items(list.Count * times);
        var result = new List<object?>((int)(list.Count * times));
        for (var i = 0; i < times; i++) result.AddRange(list);
        return result;
    }

    static object TrueDivide(object? a, object? b)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported("/", a, b);
        var d = PyOps.ToDouble(b);
        if (d == 0) throw new TemplateRuntimeError("division by zero");
        return PyOps.ToDouble(a) / d;
    }

    static void CheckDivisor(string op, object? a, object? b)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported(op, a, b);
        if (b is double d ? d == 0 : PyInt.ToBig(b).IsZero) throw new TemplateRuntimeError("integer division or modulo by zero");
    }

    static object FloorDivide(object? a, object? b, IntegerBounds ints)
    {
        CheckDivisor("//", a, b);
        // The quotient is never longer than the dividend (plus one bit for MIN // -1).
        return Numeric("//", a, b, ints, PyInt.BitLength(a) + 1, (x, y) =>
        {
            var q = BigInteger.DivRem(x, y, out var r);
            return !r.IsZero && (r.Sign < 0) != (y.Sign < 0) ? q - 1 : q;
        }, (x, y) => Math.Floor(x / y));
    }

    static object Modulo(object? a, object? b, IntegerBounds ints)
    {
        if (a is string) throw new TemplateRuntimeError("printf-style '%' string formatting is not supported; use ~ or format()");
        CheckDivisor("%", a, b);
        return Numeric("%", a, b, ints, PyInt.BitLength(b), (x, y) =>
        {
            var r = BigInteger.Remainder(x, y);
            return !r.IsZero && (r.Sign < 0) != (y.Sign < 0) ? r + y : r;
        }, (x, y) =>
        {
            var r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        });
    }

    static object Power(object? a, object? b, IntegerBounds ints)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported("**", a, b);
        if (a is double || b is double || PyInt.ToBig(b).Sign < 0) return Math.Pow(PyOps.ToDouble(a), PyOps.ToDouble(b));
        BigInteger x = PyInt.ToBig(a), e = PyInt.ToBig(b);
        // 0, 1 and -1 stay small whatever the exponent; otherwise the result has about e * bits(x) bits.
        if (BigInteger.Abs(x) <= 1) return PyInt.Normalize(x.IsZero ? (e.IsZero ? 1 : 0) : x.Sign > 0 || e.IsEven ? BigInteger.Abs(x) : x);
        ints.Reserve((double)e * (x.GetBitLength() - 1));
        return ints.Result(BigInteger.Pow(x, (int)e));
    }

    public static object? Negate(object? v, IntegerBounds ints) => v switch
    {
        long l => l == long.MinValue ? ints.Result(-(BigInteger)l) : -l,
        BigInteger b => PyInt.Normalize(-b),
        double d => -d,
        bool b => b ? -1L : 0L,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"bad operand type for unary -: '{PyOps.TypeName(v)}'"),
    };

    public static object? Plus(object? v) => v switch
    {
        long or double or BigInteger => v,
        bool b => b ? 1L : 0L,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"bad operand type for unary +: '{PyOps.TypeName(v)}'"),
    };
}
