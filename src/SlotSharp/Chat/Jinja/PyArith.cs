namespace SlotSharp.Chat.Jinja;

/// <summary>Python arithmetic on the value model (int/float promotion, str and list + and *, floor division).</summary>
static class PyArith
{
    public static object? Binary(string op, object? a, object? b, int maxLength)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        return op switch
        {
            "+" => Add(a, b),
            "-" => Numeric(op, a, b, (x, y) => checked(x - y), (x, y) => x - y),
            "*" => Multiply(a, b, maxLength),
            "/" => TrueDivide(a, b),
            "//" => FloorDivide(a, b),
            "%" => Modulo(a, b),
            "**" => Power(a, b),
            _ => throw new InvalidOperationException(op),
        };
    }

    static TemplateRuntimeError Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");

    static object Numeric(string op, object? a, object? b, Func<long, long, long> onInts, Func<double, double, double> onFloats)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported(op, a, b);
        if (a is double || b is double) return onFloats(PyOps.ToDouble(a), PyOps.ToDouble(b));
        try { return onInts(PyOps.ToLong(a), PyOps.ToLong(b)); }
        catch (OverflowException) { throw new TemplateRuntimeError("integer overflow (beyond 64 bits)"); }
    }

    static object? Add(object? a, object? b)
    {
        if (a is string s)
            return b is string t ? s + t
                : throw new TemplateRuntimeError($"can only concatenate str (not \"{PyOps.TypeName(b)}\") to str");
        if (a is List<object?> l)
            return b is List<object?> m ? new List<object?>([.. l, .. m])
                : throw new TemplateRuntimeError($"can only concatenate list (not \"{PyOps.TypeName(b)}\") to list");
        if (a is object?[] t1 && b is object?[] t2) return t1.Concat(t2).ToArray();
        return Numeric("+", a, b, (x, y) => checked(x + y), (x, y) => x + y);
    }

    static object? Multiply(object? a, object? b, int maxLength)
    {
        if (a is string or List<object?> && b is long or bool) return Repeat(a, PyOps.ToLong(b), maxLength);
        if (b is string or List<object?> && a is long or bool) return Repeat(b, PyOps.ToLong(a), maxLength);
        return Numeric("*", a, b, (x, y) => checked(x * y), (x, y) => x * y);
    }

    static object Repeat(object? seq, long times, int maxLength)
    {
        if (times <= 0) return seq is string ? "" : new List<object?>();
        var unit = seq is string s ? s.Length : ((List<object?>)seq!).Count;
        if (unit * times > maxLength)
            throw new LimitExceededError($"repetition would produce {unit * times} items (limit {maxLength})");
        if (seq is string str) return string.Concat(Enumerable.Repeat(str, (int)times));
        var list = (List<object?>)seq!;
        var result = new List<object?>();
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

    static object FloorDivide(object? a, object? b)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported("//", a, b);
        if (PyOps.ToDouble(b) == 0) throw new TemplateRuntimeError("integer division or modulo by zero");
        if (a is double || b is double) return Math.Floor(PyOps.ToDouble(a) / PyOps.ToDouble(b));
        long x = PyOps.ToLong(a), y = PyOps.ToLong(b);
        var q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0))) q--;
        return q;
    }

    static object Modulo(object? a, object? b)
    {
        if (a is string) throw new TemplateRuntimeError("printf-style '%' string formatting is not supported; use ~ or format()");
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported("%", a, b);
        if (PyOps.ToDouble(b) == 0) throw new TemplateRuntimeError("integer division or modulo by zero");
        if (a is double || b is double)
        {
            double x = PyOps.ToDouble(a), y = PyOps.ToDouble(b);
            var r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        }
        long i = PyOps.ToLong(a), j = PyOps.ToLong(b);
        var m = i % j;
        return m != 0 && (m < 0) != (j < 0) ? m + j : m;
    }

    static object Power(object? a, object? b)
    {
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b)) throw Unsupported("**", a, b);
        if (a is double || b is double || PyOps.ToLong(b) < 0) return Math.Pow(PyOps.ToDouble(a), PyOps.ToDouble(b));
        long x = PyOps.ToLong(a), e = PyOps.ToLong(b), result = 1;
        try
        {
            for (var i = 0L; i < e; i++)
            {
                result = checked(result * x);
                if (result is 0 or 1) break;
            }
        }
        catch (OverflowException) { throw new TemplateRuntimeError("integer overflow (beyond 64 bits)"); }
        return result;
    }

    public static object? Negate(object? v) => v switch
    {
        long l => l == long.MinValue ? throw new TemplateRuntimeError("integer overflow") : (object)-l,
        double d => (object)-d,
        bool b => b ? -1L : 0L,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"bad operand type for unary -: '{PyOps.TypeName(v)}'"),
    };

    public static object? Plus(object? v) => v switch
    {
        long or double => v,
        bool b => b ? 1L : 0L,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"bad operand type for unary +: '{PyOps.TypeName(v)}'"),
    };
}
