using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// The str and dict methods templates may call (`s.startswith('x')`, `d.items()`). Only these resolve;
/// everything else is undefined, which also keeps the sandbox closed (no mutation, no reflection).
/// </summary>
static class Methods
{
    static readonly HashSet<string> StringMethods =
        ["startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip", "upper", "lower", "replace", "title",
         "capitalize", "find", "count", "join", "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "isupper",
         "islower", "format", "removeprefix", "removesuffix"];

    // Methods whose result is a string no longer than the receiver: charged as a copy of it.
    static readonly HashSet<string> SameSizeMethods = ["strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize"];

    static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];

    public static bool TryBind(object? obj, string name, out object? method)
    {
        method = null;
        if (obj is string s && StringMethods.Contains(name))
            method = new BuiltinFunction($"str.{name}", (interp, args, kwargs) => CallString(interp, s, name, args, kwargs));
        else if (obj is OrderedDictionary<string, object?> d && DictMethods.Contains(name))
            method = new BuiltinFunction($"dict.{name}", (interp, args, kwargs) => CallDict(interp, d, name, args, kwargs));
        return method != null;
    }

    static string Str(object? v, string function) => v switch
    {
        string s => s,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRuntimeError($"{function}() argument must be str, not {PyOps.TypeName(v)}"),
    };

    static string? OptionalStr(object? v, string function) => v is null ? null : Str(v, function);

    static object? CallString(Interpreter interp, string s, string name, List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        Arguments A(params string[] names) => new(name, args, kwargs, names);
        if (SameSizeMethods.Contains(name)) interp.Budget.Chars(s.Length);
        switch (name)
        {
            case "startswith":
            case "endswith":
            {
                var a = A("prefix");
                var prefix = a.Required("prefix");
                var options = prefix is object?[] or List<object?> ? PyOps.Iterate(prefix, interp.Budget) : [prefix];
                return options.Any(p => name == "startswith"
                    ? s.StartsWith(Str(p, name), StringComparison.Ordinal)
                    : s.EndsWith(Str(p, name), StringComparison.Ordinal));
            }
            case "split":
            {
                var a = A("sep", "maxsplit");
                ChargeSplit(interp, s);
                return PyText.Split(s, OptionalStr(a.Get("sep"), name), PyOps.ToIndex(a.Get("maxsplit", -1L), "maxsplit"));
            }
            case "rsplit":
            {
                var a = A("sep", "maxsplit");
                var max = PyOps.ToIndex(a.Get("maxsplit", -1L), "maxsplit");
                var sep = OptionalStr(a.Get("sep"), name);
                ChargeSplit(interp, s);
                if (max < 0) return PyText.Split(s, sep, -1);
                // rsplit(sep, n) == reversed split of the reversed string, for a literal separator.
                if (sep == null) throw new TemplateRuntimeError("rsplit() with maxsplit needs an explicit separator");
                var parts = PyText.Split(Reverse(s), Reverse(sep), max);
                parts.Reverse();
                return parts.Select(p => (object?)Reverse((string)p!)).ToList();
            }
            case "strip": return PyText.Strip(s, OptionalStr(A("chars").Get("chars"), name), true, true);
            case "lstrip": return PyText.Strip(s, OptionalStr(A("chars").Get("chars"), name), true, false);
            case "rstrip": return PyText.Strip(s, OptionalStr(A("chars").Get("chars"), name), false, true);
            case "upper": A(); return s.ToUpperInvariant();
            case "lower": A(); return s.ToLowerInvariant();
            case "title": A(); return PyText.PyTitle(s);
            case "capitalize": A(); return PyText.Capitalize(s);
            case "replace":
            {
                var a = A("old", "new", "count");
                return PyText.Replace(s, Str(a.Required("old"), name), Str(a.Required("new"), name),
                    PyOps.ToIndex(a.Get("count", -1L), "count"), interp.Budget);
            }
            case "find":
            {
                var idx = s.IndexOf(Str(A("sub").Required("sub"), name), StringComparison.Ordinal);
                return idx < 0 ? -1L : (long)PyText.Length(s[..idx]);
            }
            case "count":
            {
                var sub = Str(A("sub").Required("sub"), name);
                if (sub.Length == 0) return (long)PyText.Length(s) + 1;
                long n = 0;
                for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
                return n;
            }
            case "join":
            {
                var items = PyOps.Iterate(A("iterable").Required("iterable"), interp.Budget);
                foreach (var x in items) Str(x, name); // str.join takes strings only, unlike the join filter
                return Filters.Join(interp, s, items);
            }
            case "splitlines": A(); ChargeSplit(interp, s); return PyText.SplitLines(s).Cast<object?>().ToList();
            case "isdigit": A(); return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": A(); return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": A(); return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": A(); return s.Length > 0 && s.All(PyText.IsSpace);
            case "isupper": A(); return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "islower": A(); return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "removeprefix":
            {
                var p = Str(A("prefix").Required("prefix"), name);
                return s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s;
            }
            case "removesuffix":
            {
                var p = Str(A("suffix").Required("suffix"), name);
                return p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s;
            }
            case "format": return Format(interp, s, args, kwargs);
            default: throw new InvalidOperationException(name);
        }
    }

    /// <summary>A split's parts hold at most the text of s: charged as a copy of it plus a slot per char.</summary>
    static void ChargeSplit(Interpreter interp, string s)
    {
        interp.Budget.Chars(s.Length);
        interp.Budget.Items(s.Length + 1L);
    }

    static string Reverse(string s)
    {
        var cps = PyText.CodePoints(s);
        cps.Reverse();
        return string.Concat(cps);
    }

    /// <summary>str.format with {}, {0} and {name} fields (no format specs or conversions).</summary>
    static string Format(Interpreter interp, string s, List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        var sb = interp.Budget.Text();
        var auto = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c == '}') throw new TemplateRuntimeError("single '}' encountered in format string");
            if (c != '{') { sb.Append(c); continue; }
            var close = s.IndexOf('}', i + 1);
            if (close < 0) throw new TemplateRuntimeError("single '{' encountered in format string");
            var field = s[(i + 1)..close];
            if (field.IndexOfAny([':', '!', '.', '[']) >= 0)
                throw new TemplateRuntimeError($"format field '{{{field}}}' uses a spec or conversion, which is not supported");
            object? value;
            if (field.Length == 0)
                value = auto < args.Count ? args[auto++] : throw new TemplateRuntimeError("format(): not enough positional arguments");
            else if (int.TryParse(field, out var n))
                value = n < args.Count ? args[n] : throw new TemplateRuntimeError($"format(): no positional argument {n}");
            else
            {
                var kv = kwargs.FirstOrDefault(k => k.Key == field);
                value = kv.Key == field ? kv.Value : throw new TemplateRuntimeError($"format(): no keyword argument '{field}'");
            }
            sb.Append(interp.Str(value));
            i = close;
        }
        return sb.ToString();
    }

    static object? CallDict(Interpreter interp, OrderedDictionary<string, object?> d, string name, List<object?> args,
        List<KeyValuePair<string, object?>> kwargs)
    {
        switch (name)
        {
            case "items":
                _ = new Arguments(name, args, kwargs);
                interp.Budget.Items(2L * d.Count); // the list and a pair per entry
                return d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList();
            case "keys":
                _ = new Arguments(name, args, kwargs);
                interp.Budget.Items(d.Count);
                return d.Keys.Cast<object?>().ToList();
            case "values":
                _ = new Arguments(name, args, kwargs);
                interp.Budget.Items(d.Count);
                return d.Values.ToList();
            case "get":
            {
                var a = new Arguments(name, args, kwargs, "key", "default");
                var key = a.Required("key");
                return key is string k && d.TryGetValue(k, out var v) ? v : a.Get("default");
            }
            default: throw new InvalidOperationException(name);
        }
    }
}
