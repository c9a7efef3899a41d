using System.Globalization;
using System.Numerics;
using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>Python semantics for the value model: truthiness, str/repr, equality, ordering, len, iteration.</summary>
static class PyOps
{
    public static bool IsNumber(object? v) => v is long or double or bool or BigInteger;
    public static bool IsSequence(object? v) => v is List<object?> or object?[];

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        BigInteger => true, // never zero: zero is a long
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        object?[] t => t.Length > 0,
        OrderedDictionary<string, object?> d => d.Count > 0,
        Undefined => false,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        OrderedDictionary<string, object?> => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        LoopContext => "LoopContext",
        ICallable => "function",
        _ => v.GetType().Name,
    };

    /// <summary>Jinja2's object_type_repr, used in undefined messages ("'dict object'", "None").</summary>
    public static string TypeRepr(object? v) => v switch
    {
        null => "None",
        Undefined => "Undefined",
        _ => $"'{TypeName(v)} object'",
    };

    /// <summary>Python str(): what {{ value }} prints; a new string is charged to the budget.</summary>
    public static string Str(object? v, MemoryBudget budget) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v, budget),
    };

    /// <summary>Python repr(), built under the budget (a list repeating one long string can print huge).</summary>
    public static string Repr(object? v, MemoryBudget budget)
    {
        var sb = budget.Text();
        AppendRepr(sb, v, 0);
        return sb.ToString();
    }

    /// <summary>repr() for an error message: short values verbatim, anything long by its type.</summary>
    public static string ShortRepr(object? v)
    {
        try { return Repr(v, new MemoryBudget(long.MaxValue, 200)); }
        catch (LimitExceededError) { return TypeRepr(v); }
    }

    static void AppendRepr(TextBuilder sb, object? v, int depth)
    {
        if (depth > 100) throw new TemplateRuntimeError("value nested too deeply to print");
        switch (v)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case BigInteger b: sb.Append(b.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatRepr(d)); break;
            case string s: AppendStringRepr(sb, s); break;
            case List<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, list[i], depth + 1);
                }
                sb.Append(']');
                break;
            case object?[] tuple:
                sb.Append('(');
                for (var i = 0; i < tuple.Length; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, tuple[i], depth + 1);
                }
                sb.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case OrderedDictionary<string, object?> dict:
                sb.Append('{');
                var first = true;
                foreach (var kv in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendStringRepr(sb, kv.Key);
                    sb.Append(": ");
                    AppendRepr(sb, kv.Value, depth + 1);
                }
                sb.Append('}');
                break;
            case Undefined: sb.Append("Undefined"); break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, new OrderedDictionary<string, object?>(ns.Attributes), depth + 1);
                sb.Append('>');
                break;
            case ICallable c: sb.Append("<function ").Append(c.Name).Append('>'); break;
            default: sb.Append('<').Append(TypeName(v)).Append(" object>"); break;
        }
    }

    static void AppendStringRepr(TextBuilder sb, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append(quote);
    }

    /// <summary>Python float repr: shortest round-trip digits; scientific below 1e-4 or from 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits come from "R"; re-derive digits and exponent from it.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        if (negative) shortest = shortest[1..];
        var exponent = 0;
        var ePos = shortest.IndexOfAny(['E', 'e']);
        var mantissa = shortest;
        if (ePos >= 0)
        {
            exponent = int.Parse(shortest[(ePos + 1)..], CultureInfo.InvariantCulture);
            mantissa = shortest[..ePos];
        }
        var dot = mantissa.IndexOf('.');
        var digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        var pointPos = (dot >= 0 ? dot : mantissa.Length) + exponent; // digits[0..pointPos] is the integer part
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (pointPos > 16 || pointPos < -3)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            var exp = pointPos - 1;
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (pointPos <= 0) sb.Append("0.").Append('0', -pointPos).Append(digits);
        else if (pointPos >= digits.Length) sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
        else sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        return sb.ToString();
    }

    // ---------------- equality and ordering ----------------

    public static new bool Equals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a) == ToDouble(b);
            return PyInt.ToBig(a) == PyInt.ToBig(b);
        }
        switch (a)
        {
            case null: return b is null;
            case string s: return b is string t && s == t;
            case List<object?> l: return b is List<object?> lb && SequenceEquals(l, lb);
            case object?[] t1: return b is object?[] t2 && SequenceEquals(t1, t2);
            case OrderedDictionary<string, object?> d:
                if (b is not OrderedDictionary<string, object?> e || d.Count != e.Count) return false;
                foreach (var kv in d)
                    if (!e.TryGetValue(kv.Key, out var other) || !Equals(kv.Value, other)) return false;
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    static bool SequenceEquals(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++) if (!Equals(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Python ordering (&lt; etc.); raises TypeError for unorderable pairs like Python 3.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a).CompareTo(ToDouble(b));
            return PyInt.ToBig(a).CompareTo(PyInt.ToBig(b));
        }
        if (a is string s && b is string t) return PyText.CompareCodePoints(s, t);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var l = (IReadOnlyList<object?>)a;
            var m = (IReadOnlyList<object?>)b!;
            for (var i = 0; i < Math.Min(l.Count, m.Count); i++)
                if (!Equals(l[i], m[i])) return Compare(l[i], m[i], op);
            return l.Count.CompareTo(m.Count);
        }
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined v) throw v.Fail();
        throw new TemplateRuntimeError(
            $"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        BigInteger b => PyInt.Saturate(b),
        double d => (long)d,
        _ => throw new TemplateRuntimeError($"expected an integer, got '{TypeName(v)}'"),
    };

    public static double ToDouble(object? v) => v switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        BigInteger b => PyInt.ToDouble(b),
        _ => throw new TemplateRuntimeError($"expected a number, got '{TypeName(v)}'"),
    };

    /// <summary>
    /// An integer argument (index, count...): Python accepts int and bool only. Ints beyond 64 bits saturate,
    /// which reads as out of range (or over a size limit) wherever indices are used.
    /// </summary>
    public static long ToIndex(object? v, string what) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        BigInteger b => PyInt.Saturate(b),
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"{what} must be an integer, not '{TypeName(v)}'"),
    };

    // ---------------- containers ----------------

    public static long Length(object? v) => v switch
    {
        string s => PyText.Length(s),
        List<object?> l => l.Count,
        object?[] t => t.Length,
        OrderedDictionary<string, object?> d => d.Count,
        Undefined => 0,
        _ => throw new TemplateRuntimeError($"object of type '{TypeName(v)}' has no len()"),
    };

    /// <summary>Python iter(): strings by code point, dicts by key, undefined as empty. New lists are charged.</summary>
    public static IReadOnlyList<object?> Iterate(object? v, MemoryBudget budget)
    {
        switch (v)
        {
            case List<object?> l: return l;
            case object?[] t: return t;
            case string s:
                // A list of one-char strings: a slot plus a small string object per char.
                budget.Items(s.Length);
                budget.Chars(s.Length);
                return PyText.CodePoints(s).Cast<object?>().ToList();
            case OrderedDictionary<string, object?> d:
                budget.Items(d.Count);
                return d.Keys.Cast<object?>().ToList();
            case Undefined: return [];
            default: throw new TemplateRuntimeError($"'{TypeName(v)}' object is not iterable");
        }
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw new TemplateRuntimeError($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        OrderedDictionary<string, object?> d => item is string key && d.ContainsKey(key),
        List<object?> or object?[] => ((IReadOnlyList<object?>)container).Any(x => Equals(x, item)),
        Undefined => false,
        _ => throw new TemplateRuntimeError($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>Jinja2 getattr: dict keys double as attributes; methods of str/dict resolve to bound methods.</summary>
    public static object? GetAttribute(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case OrderedDictionary<string, object?> d:
                if (Methods.TryBind(obj, name, out var dictMethod)) return dictMethod;
                return d.TryGetValue(name, out var value) ? value : Undefined.ForAttribute(obj, name);
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var nsValue) ? nsValue : Undefined.ForAttribute(obj, name);
            case LoopContext loop: return loop.Get(name);
            default:
                return Methods.TryBind(obj, name, out var method) ? method : Undefined.ForAttribute(obj, name);
        }
    }

    /// <summary>Jinja2 getitem: obj[key], falling back to attributes; a missing key or index gives undefined.</summary>
    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case OrderedDictionary<string, object?> d:
                if (key is string s)
                {
                    if (d.TryGetValue(s, out var value)) return value;
                    return Methods.TryBind(obj, s, out var m) ? m : Undefined.ForAttribute(obj, s);
                }
                return Undefined.ForElement(obj, key);
            case List<object?> or object?[] or string:
                if (key is string attr) return GetAttribute(obj, attr);
                if (key is not (long or bool)) return Undefined.ForElement(obj, key);
                var index = ToLong(key);
                if (obj is string str) return PyText.CodePointAt(str, index) ?? (object)Undefined.ForElement(obj, key);
                var list = (IReadOnlyList<object?>)obj;
                if (index < 0) index += list.Count;
                return index >= 0 && index < list.Count ? list[(int)index] : Undefined.ForElement(obj, key);
            case Namespace or LoopContext when key is string name:
                return GetAttribute(obj, name);
            default:
                return Undefined.ForElement(obj, key);
        }
    }

    /// <summary>Python slice semantics (negative bounds, any non-zero step).</summary>
    public static object? Slice(object? obj, object? start, object? stop, object? step, MemoryBudget budget)
    {
        if (obj is Undefined u) throw u.Fail();
        var stepValue = step is null ? 1 : ToIndex(step, "slice step");
        if (stepValue == 0) throw new TemplateRuntimeError("slice step cannot be zero");
        var items = obj is string or List<object?> or object?[] ? Iterate(obj, budget)
            : throw new TemplateRuntimeError($"'{TypeName(obj)}' object is not subscriptable");
        long n = items.Count;
        // Any step longer than the sequence selects the same (single) item; clamping keeps the arithmetic in range.
        stepValue = Math.Clamp(stepValue, -(n + 1), n + 1);
        long Clamp(object? bound, long whenMissing)
        {
            if (bound is null) return whenMissing;
            var b = ToIndex(bound, "slice index");
            if (b < 0) b += n;
            return stepValue > 0 ? Math.Clamp(b, 0, n) : Math.Clamp(b, -1, n - 1);
        }
        var from = Clamp(start, stepValue > 0 ? 0 : n - 1);
        var to = Clamp(stop, stepValue > 0 ? n : -1);
        // Python's slice length; step is at least 1 in magnitude and the bounds are clamped, so no overflow.
        var count = stepValue > 0 ? Math.Max(0, (to - from + stepValue - 1) / stepValue) : Math.Max(0, (from - to - stepValue - 1) / -stepValue);
        budget.Items(count);
        if (obj is string) budget.Chars(count);
        var result = new List<object?>((int)count);
        for (var i = from; stepValue > 0 ? i < to : i > to; i += stepValue) result.Add(items[(int)i]);
        return obj switch
        {
            string => string.Concat(result.Cast<string>()),
            object?[] => result.ToArray(),
            _ => result,
        };
    }
}
