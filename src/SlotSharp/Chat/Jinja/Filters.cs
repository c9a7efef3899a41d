using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace SlotSharp.Chat.Jinja;

/// <summary>Jinja2's built-in filters used by chat templates, with Jinja2 3.1 argument names and semantics.</summary>
static partial class Filters
{
    static readonly HashSet<string> Names =
        ["trim", "tojson", "length", "count", "first", "last", "join", "upper", "lower", "title", "capitalize", "replace",
         "default", "d", "list", "string", "int", "float", "abs", "items", "selectattr", "rejectattr", "select", "reject",
         "map", "unique", "sort", "safe", "indent", "round", "wordcount", "dictsort", "escape", "e", "reverse", "sum",
         "min", "max", "attr", "batch"];

    public static bool IsKnown(string name) => Names.Contains(name);

    public static object? Apply(Interpreter interp, string name, object? value, List<object?> args,
        List<KeyValuePair<string, object?>> kwargs)
    {
        Arguments A(params string[] names) => new(name, args, kwargs, names);
        switch (name)
        {
            case "trim": return PyText.Strip(Charged(interp, interp.Str(value)), OptionalString(interp, A("chars").Get("chars")), true, true);
            case "tojson": return ToJson(interp, value, A("indent", "separators", "sort_keys", "ensure_ascii"));
            case "length" or "count": A(); return PyOps.Length(value);
            case "first":
            {
                A();
                var items = PyOps.Iterate(value, interp.Budget);
                return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty.");
            }
            case "last":
            {
                A();
                var items = PyOps.Iterate(value, interp.Budget);
                return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty.");
            }
            case "join":
            {
                var a = A("d", "attribute");
                var items = PyOps.Iterate(value, interp.Budget);
                var attribute = a.Get("attribute");
                if (attribute != null) items = items.Select(x => GetPath(interp, x, attribute)).ToList();
                return Join(interp, interp.Str(a.Get("d", "")), items);
            }
            case "upper": A(); return Charged(interp, interp.Str(value)).ToUpperInvariant();
            case "lower": A(); return Charged(interp, interp.Str(value)).ToLowerInvariant();
            case "title": A(); return PyText.JinjaTitle(Charged(interp, interp.Str(value)));
            case "capitalize": A(); return PyText.Capitalize(Charged(interp, interp.Str(value)));
            case "replace":
            {
                var a = A("old", "new", "count");
                var count = a.Get("count");
                return PyText.Replace(interp.Str(value), interp.Str(a.Required("old")), interp.Str(a.Required("new")),
                    count == null ? -1 : PyOps.ToIndex(count, "count"), interp.Budget);
            }
            case "default" or "d":
            {
                var a = A("default_value", "boolean");
                var useDefault = value is Undefined || (PyOps.Truthy(a.Get("boolean", false)) && !PyOps.Truthy(value));
                return useDefault ? a.Get("default_value", "") : value;
            }
            case "list": A(); return NewList(interp, PyOps.Iterate(value, interp.Budget));
            case "string": A(); return interp.Str(value);
            case "int": return ToInt(value, A("default", "base"));
            case "float": return ToFloat(value, A("default"));
            case "abs":
                A();
                return value switch
                {
                    long or BigInteger => PyOps.Compare(value, 0L, "<") < 0 ? PyArith.Negate(value, interp.Integers) : value,
                    double d => Math.Abs(d),
                    bool b => b ? 1L : 0L,
                    _ => throw new TemplateRuntimeError($"bad operand type for abs(): '{PyOps.TypeName(value)}'"),
                };
            case "items":
                A();
                return value switch
                {
                    Undefined => new List<object?>(),
                    OrderedDictionary<string, object?> d => Pairs(interp, d),
                    _ => throw new TemplateRuntimeError($"can only get item pairs from a mapping, not '{PyOps.TypeName(value)}'"),
                };
            case "select" or "reject": return Select(interp, value, args, kwargs, byAttribute: false, keep: name == "select");
            case "selectattr" or "rejectattr":
                return Select(interp, value, args, kwargs, byAttribute: true, keep: name == "selectattr");
            case "map": return Map(interp, value, args, kwargs);
            case "unique":
            {
                var a = A("case_sensitive", "attribute");
                var caseSensitive = PyOps.Truthy(a.Get("case_sensitive", false));
                var seen = new List<object?>();
                var result = new List<object?>();
                var items = PyOps.Iterate(value, interp.Budget);
                interp.Budget.Items(2L * items.Count); // seen keys and the result
                foreach (var item in items)
                {
                    var key = SortKey(a.Get("attribute") is { } attr ? GetPath(interp, item, attr) : item, caseSensitive);
                    if (seen.Any(s => PyOps.Equals(s, key))) continue;
                    seen.Add(key);
                    result.Add(item);
                }
                return result;
            }
            case "sort":
            {
                var a = A("reverse", "case_sensitive", "attribute");
                return Sorted(interp, PyOps.Iterate(value, interp.Budget), PyOps.Truthy(a.Get("reverse", false)),
                    PyOps.Truthy(a.Get("case_sensitive", false)), a.Get("attribute"));
            }
            case "dictsort":
            {
                var a = A("case_sensitive", "by", "reverse");
                if (value is not OrderedDictionary<string, object?> d)
                    throw new TemplateRuntimeError($"dictsort expects a mapping, got '{PyOps.TypeName(value)}'");
                var by = interp.Str(a.Get("by", "key"));
                var pos = by == "key" ? 0L : by == "value" ? 1L
                    : throw new TemplateRuntimeError("You can only sort by either 'key' or 'value'");
                var pairs = Pairs(interp, d);
                return Sorted(interp, pairs, PyOps.Truthy(a.Get("reverse", false)), PyOps.Truthy(a.Get("case_sensitive", false)), pos);
            }
            case "safe": A(); return value;
            case "escape" or "e": A(); return Escape(interp, interp.Str(value));
            case "indent": return Indent(interp, interp.Str(value), A("width", "first", "blank"));
            case "round": return Round(interp, value, A("precision", "method"));
            case "wordcount": A(); return (long)WordRegex().Count(interp.Str(value));
            case "reverse":
                A();
                if (value is string s) return string.Concat(PyOps.Iterate(Charged(interp, s), interp.Budget).Cast<string>().Reverse());
                var reversed = NewList(interp, PyOps.Iterate(value, interp.Budget));
                reversed.Reverse();
                return reversed;
            case "sum":
            {
                var a = A("attribute", "start");
                object? total = a.Get("start", 0L);
                foreach (var item in PyOps.Iterate(value, interp.Budget))
                    total = PyArith.Binary("+", total, a.Get("attribute") is { } attr ? GetPath(interp, item, attr) : item, interp.Budget, interp.Integers);
                return total;
            }
            case "min" or "max":
            {
                var a = A("case_sensitive", "attribute");
                var items = PyOps.Iterate(value, interp.Budget);
                if (items.Count == 0) return new Undefined($"No aggregated item, sequence was empty.");
                var sorted = Sorted(interp, items, name == "max", PyOps.Truthy(a.Get("case_sensitive", false)), a.Get("attribute"));
                return sorted[0];
            }
            case "attr": return PyOps.GetAttribute(value, interp.Str(A("name").Required("name")));
            case "batch":
            {
                var a = A("linecount", "fill_with");
                var size = PyOps.ToIndex(a.Required("linecount"), "linecount");
                if (size <= 0) throw new TemplateRuntimeError("batch size must be positive");
                var items = PyOps.Iterate(value, interp.Budget);
                var padding = a.Has("fill_with") && items.Count % size != 0 ? size - items.Count % size : 0;
                interp.Budget.Items(items.Count + padding + items.Count / size + 1); // items, padding, the batch list
                var result = new List<object?>();
                List<object?>? current = null;
                foreach (var item in items)
                {
                    if (current == null || current.Count == size) result.Add(current = new List<object?>());
                    current.Add(item);
                }
                if (current != null && a.Has("fill_with"))
                    while (current.Count < size) current.Add(a.Get("fill_with"));
                return result;
            }
            default: throw new InvalidOperationException(name);
        }
    }

    static string? OptionalString(Interpreter interp, object? v) => v is null ? null : interp.Str(v);

    /// <summary>Charges a same-size copy of <paramref name="s"/> (case mappings, strip) and returns s.</summary>
    static string Charged(Interpreter interp, string s)
    {
        interp.Budget.Chars(s.Length);
        return s;
    }

    /// <summary>A dict's (key, value) tuples as a list, charged first (a slot and a 2-tuple per entry).</summary>
    static List<object?> Pairs(Interpreter interp, OrderedDictionary<string, object?> d)
    {
        interp.Budget.Items(3L * d.Count);
        return d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList();
    }

    static List<object?> NewList(Interpreter interp, IReadOnlyList<object?> items)
    {
        interp.Budget.Items(items.Count);
        return items.ToList();
    }

    /// <summary>sep.join(str(x) for x in items), its length charged before the string is built.</summary>
    public static string Join(Interpreter interp, string separator, IReadOnlyList<object?> items)
    {
        var parts = items.Select(interp.Str).ToList();
        interp.Budget.Chars(parts.Sum(p => (long)p.Length) + (long)separator.Length * Math.Max(0, parts.Count - 1));
        return string.Join(separator, parts);
    }

    /// <summary>An indent given as a width or a string; a width is charged before the spaces are made.</summary>
    static string IndentText(Interpreter interp, object? width, string what)
    {
        if (width is string s) return s;
        var n = Math.Max(0, PyOps.ToIndex(width, what));
        interp.Budget.Chars(n);
        return new string(' ', (int)n);
    }

    static string ToJson(Interpreter interp, object? value, Arguments a)
    {
        var indent = a.Get("indent");
        string? indentText = indent switch
        {
            null => null,
            string s => s,
            long or bool or BigInteger => IndentText(interp, indent, "tojson indent"),
            _ => throw new TemplateRuntimeError($"tojson indent must be an int or str, not '{PyOps.TypeName(indent)}'"),
        };
        string item = indentText == null ? ", " : ",", key = ": ";
        if (a.Get("separators") is { } separators)
        {
            var pair = PyOps.Iterate(separators, interp.Budget);
            if (pair.Count != 2) throw new TemplateRuntimeError("tojson separators must be a pair (item, key)");
            item = interp.Str(pair[0]);
            key = interp.Str(pair[1]);
        }
        return PyJson.Dumps(value, new PyJson.Options(indentText, item, key, PyOps.Truthy(a.Get("sort_keys", false)),
            PyOps.Truthy(a.Get("ensure_ascii", false))), interp.Budget);
    }

    static object? ToInt(object? value, Arguments a)
    {
        var fallback = a.Get("default", 0L);
        var numberBase = (int)PyOps.ToIndex(a.Get("base", 10L), "base");
        switch (value)
        {
            case long or bool: return PyOps.ToLong(value);
            case BigInteger: return value;
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
            {
                var t = s.Trim().Replace("_", "");
                try
                {
                    if (numberBase == 10 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                    if (numberBase != 10 && t.Length > 0) return Convert.ToInt64(StripPrefix(t, numberBase), numberBase);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { }
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f)
                    ? (long)Math.Truncate(f) : fallback;
            }
            default: return fallback;
        }
    }

    static string StripPrefix(string t, int numberBase)
    {
        var lower = t.ToLowerInvariant();
        var prefix = numberBase switch { 16 => "0x", 8 => "0o", 2 => "0b", _ => null };
        return prefix != null && lower.StartsWith(prefix, StringComparison.Ordinal) ? t[2..] : t;
    }

    static object? ToFloat(object? value, Arguments a)
    {
        var fallback = a.Get("default", 0.0);
        return value switch
        {
            double d => d,
            long or bool or BigInteger => PyOps.ToDouble(value),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
            _ => fallback,
        };
    }

    /// <summary>Attribute path like "function.name" (Jinja's make_attrgetter); integers index lists.</summary>
    public static object? GetPath(Interpreter interp, object? item, object? attribute)
    {
        if (attribute is long or bool) return PyOps.GetItem(item, attribute);
        foreach (var part in interp.Str(attribute).Split('.'))
            item = int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? PyOps.GetItem(item, (long)n) : PyOps.GetItem(item, part);
        return item;
    }

    static object? SortKey(object? v, bool caseSensitive) => !caseSensitive && v is string s ? s.ToLowerInvariant() : v;

    static List<object?> Sorted(Interpreter interp, IReadOnlyList<object?> items, bool reverse, bool caseSensitive, object? attribute)
    {
        interp.Budget.Items(2L * items.Count); // the keyed copy and the result
        var keyed = items.Select(x => (Item: x, Key: SortKey(attribute != null ? GetPath(interp, x, attribute) : x, caseSensitive))).ToList();
        // Stable sort like Python's sorted(); reverse keeps equal items in their original order too.
        var ordered = reverse
            ? keyed.OrderByDescending(p => p.Key, Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<")))
            : keyed.OrderBy(p => p.Key, Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<")));
        return ordered.Select(p => p.Item).ToList();
    }

    static List<object?> Select(Interpreter interp, object? value, List<object?> args,
        List<KeyValuePair<string, object?>> kwargs, bool byAttribute, bool keep)
    {
        if (kwargs.Count > 0) throw new TemplateRuntimeError("select/reject filters take positional arguments only");
        var rest = args.ToList();
        object? attribute = null;
        if (byAttribute)
        {
            if (rest.Count == 0) throw new TemplateRuntimeError("selectattr/rejectattr need an attribute name");
            attribute = rest[0];
            rest.RemoveAt(0);
        }
        string? test = null;
        if (rest.Count > 0)
        {
            test = interp.Str(rest[0]);
            rest.RemoveAt(0);
            if (!Tests.IsKnown(test)) throw new TemplateRuntimeError($"unsupported test '{test}'");
        }
        var result = new List<object?>();
        foreach (var item in PyOps.Iterate(value, interp.Budget))
        {
            interp.Step();
            var subject = byAttribute ? GetPath(interp, item, attribute) : item;
            var passed = test == null ? PyOps.Truthy(subject) : Tests.Run(test, subject, rest);
            if (passed == keep) result.Add(item);
        }
        return result;
    }

    static List<object?> Map(Interpreter interp, object? value, List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        var items = PyOps.Iterate(value, interp.Budget);
        var attribute = kwargs.FirstOrDefault(k => k.Key == "attribute");
        if (attribute.Key != null)
        {
            var fallback = kwargs.FirstOrDefault(k => k.Key == "default");
            return items.Select(item =>
            {
                var v = GetPath(interp, item, attribute.Value);
                return v is Undefined && fallback.Key != null ? fallback.Value : v;
            }).ToList();
        }
        if (args.Count == 0) throw new TemplateRuntimeError("map() needs a filter name or attribute=");
        var filter = interp.Str(args[0]);
        if (!IsKnown(filter)) throw new TemplateRuntimeError($"unsupported filter '{filter}'");
        var filterArgs = args.Skip(1).ToList();
        return items.Select(item => { interp.Step(); return Apply(interp, filter, item, filterArgs, kwargs); }).ToList();
    }

    static string Escape(Interpreter interp, string s)
    {
        var sb = interp.Budget.Text();
        foreach (var c in s)
            sb.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&#34;", '\'' => "&#39;", _ => null } ?? c.ToString());
        return sb.ToString();
    }

    static string Indent(Interpreter interp, string s, Arguments a)
    {
        var indention = IndentText(interp, a.Get("width", 4L), "width");
        var first = PyOps.Truthy(a.Get("first", false));
        var blank = PyOps.Truthy(a.Get("blank", false));
        interp.Budget.Chars(s.Length + 1L);
        var lines = PyText.SplitLines(s + "\n");
        var sb = interp.Budget.Text();
        if (first) sb.Append(indention);
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('\n');
                if (blank || lines[i].Length > 0) sb.Append(indention);
            }
            sb.Append(lines[i]);
        }
        return sb.ToString();
    }

    static object? Round(Interpreter interp, object? value, Arguments a)
    {
        var precision = (int)PyOps.ToIndex(a.Get("precision", 0L), "precision");
        var method = interp.Str(a.Get("method", "common"));
        var d = PyOps.ToDouble(value);
        var scale = Math.Pow(10, precision);
        var rounded = method switch
        {
            "common" => Math.Round(d, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "floor" => Math.Floor(d * scale) / scale,
            "ceil" => Math.Ceiling(d * scale) / scale,
            _ => throw new TemplateRuntimeError("method must be common, ceil or floor"),
        };
        return value is long or bool && method == "common" ? (object)PyOps.ToLong(value) : rounded;
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();
}
