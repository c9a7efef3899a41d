namespace SlotSharp.Chat.Jinja;

/// <summary>Jinja2's built-in tests (`x is defined`, `x is none`, ...) with Python's type rules.</summary>
static class Tests
{
    static readonly HashSet<string> Names =
        ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence",
         "boolean", "true", "false", "equalto", "eq", "==", "ne", "!=", "odd", "even", "divisibleby", "lower", "upper",
         "callable", "in", "sameas", "gt", "greaterthan", "ge", "lt", "lessthan", "le", "escaped"];

    public static bool IsKnown(string name) => Names.Contains(name);

    public static bool Run(string name, object? value, List<object?> args)
    {
        object? Arg(int i = 0) =>
            i < args.Count ? args[i] : throw new TemplateRuntimeError($"test '{name}' needs {i + 1} argument(s)");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            // bool is a numbers.Number in Python; Jinja's integer test excludes it explicitly.
            "number" => value is long or double or bool or System.Numerics.BigInteger,
            "integer" => value is long or System.Numerics.BigInteger,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => value is OrderedDictionary<string, object?>,
            "iterable" => value is string or List<object?> or object?[] or OrderedDictionary<string, object?> or Undefined,
            "sequence" => value is string or List<object?> or object?[] or OrderedDictionary<string, object?>,
            "callable" => value is ICallable,
            "equalto" or "eq" or "==" => PyOps.Equals(value, Arg()),
            "ne" or "!=" => !PyOps.Equals(value, Arg()),
            "sameas" => value is null || value is bool ? PyOps.Equals(value, Arg()) && Arg()?.GetType() == value?.GetType()
                : ReferenceEquals(value, Arg()),
            "odd" => PyOps.ToIndex(value, "odd test") % 2 != 0,
            "even" => PyOps.ToIndex(value, "even test") % 2 == 0,
            "divisibleby" => PyOps.ToIndex(value, "divisibleby test") % PyOps.ToIndex(Arg(), "divisibleby argument") == 0,
            // "Is it all lower/upper case", not a case-insensitive comparison as CA1862 reads it.
#pragma warning disable CA1862
            "lower" => value is string s && s == s.ToLowerInvariant(),
            "upper" => value is string u && u == u.ToUpperInvariant(),
#pragma warning restore CA1862
            "in" => PyOps.Contains(Arg(), value),
            "gt" or "greaterthan" => PyOps.Compare(value, Arg(), ">") > 0,
            "ge" => PyOps.Compare(value, Arg(), ">=") >= 0,
            "lt" or "lessthan" => PyOps.Compare(value, Arg(), "<") < 0,
            "le" => PyOps.Compare(value, Arg(), "<=") <= 0,
            "escaped" => false,
            _ => throw new InvalidOperationException(name),
        };
    }
}
