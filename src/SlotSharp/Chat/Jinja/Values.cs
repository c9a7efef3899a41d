namespace SlotSharp.Chat.Jinja;

// The template value model (closed: nothing else ever reaches a template, so no reflection is possible):
//   null (None), bool, long (int), double (float), string, List<object?> (list), object?[] (tuple),
//   OrderedDictionary<string, object?> (dict), Undefined, Namespace, LoopContext, ICallable.

/// <summary>Jinja2's default Undefined: prints as "", is falsy, iterates as empty; most other uses raise.</summary>
sealed class Undefined(string hint)
{
    /// <summary>The message Jinja2 would raise when this value is used, e.g. "'foo' is undefined".</summary>
    public string Hint { get; } = hint;

    public UndefinedError Fail() => new(Hint);

    public static Undefined ForName(string name) => new($"'{name}' is undefined");

    public static Undefined ForAttribute(object? owner, string name) => new($"{PyOps.TypeRepr(owner)} has no attribute '{name}'");

    public static Undefined ForElement(object? owner, object? key) =>
        key is string s ? ForAttribute(owner, s) : new($"{PyOps.TypeRepr(owner)} has no element {PyOps.ShortRepr(key)}");
}

/// <summary>namespace(...): the one mutable object templates may assign attributes on (`set ns.x = ...`).</summary>
sealed class Namespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new();
}

/// <summary>Anything a template can call: globals, macros, bound methods.</summary>
interface ICallable
{
    string Name { get; }
    object? Call(Interpreter interp, List<object?> args, List<KeyValuePair<string, object?>> kwargs);
}

/// <summary>A built-in function (global or bound method) implemented in C#.</summary>
sealed class BuiltinFunction(string name, Func<Interpreter, List<object?>, List<KeyValuePair<string, object?>>, object?> body)
    : ICallable
{
    public string Name { get; } = name;
    public object? Call(Interpreter interp, List<object?> args, List<KeyValuePair<string, object?>> kwargs) => body(interp, args, kwargs);
}

/// <summary>The `loop` variable inside a for loop.</summary>
sealed class LoopContext(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }
    public int Length => items.Count;

    public object? Get(string attribute) => attribute switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(Length - Index0),
        "revindex0" => (long)(Length - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 + 1 < Length ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", (_, args, _) =>
            args.Count == 0 ? throw new TemplateRuntimeError("no items for cycling given") : args[Index0 % args.Count]),
        _ => Undefined.ForAttribute(this, attribute),
    };
}

/// <summary>Positional/keyword argument binding shared by builtins, mirroring Python's call rules.</summary>
sealed class Arguments
{
    readonly string _function;
    readonly List<object?> _args;
    readonly List<KeyValuePair<string, object?>> _kwargs;
    readonly string[] _names;

    public Arguments(string function, List<object?> args, List<KeyValuePair<string, object?>> kwargs, params string[] names)
    {
        _function = function;
        _args = args;
        _kwargs = kwargs;
        _names = names;
        if (args.Count > names.Length)
            throw new TemplateRuntimeError($"{function}() takes at most {names.Length} arguments ({args.Count} given)");
        foreach (var kv in kwargs)
        {
            var idx = Array.IndexOf(names, kv.Key);
            if (idx < 0) throw new TemplateRuntimeError($"{function}() got an unexpected keyword argument '{kv.Key}'");
            if (idx < args.Count) throw new TemplateRuntimeError($"{function}() got multiple values for argument '{kv.Key}'");
        }
    }

    public bool Has(string name)
    {
        var idx = Array.IndexOf(_names, name);
        return idx < _args.Count || _kwargs.Any(kv => kv.Key == name);
    }

    public object? Get(string name, object? fallback = null)
    {
        var idx = Array.IndexOf(_names, name);
        if (idx < 0) throw new InvalidOperationException($"unknown parameter {name}");
        if (idx < _args.Count) return _args[idx];
        foreach (var kv in _kwargs) if (kv.Key == name) return kv.Value;
        return fallback;
    }

    public object? Required(string name) =>
        Has(name) ? Get(name) : throw new TemplateRuntimeError($"{_function}() missing required argument '{name}'");
}
