namespace SlotSharp.Chat.Jinja;

/// <summary>A {% macro %} (or the body of a {% call %} block, passed as `caller`); calling it renders its body.</summary>
sealed class Macro(string name, IReadOnlyList<MacroParam> parameters, IReadOnlyList<Stmt> body, Scope closure)
    : ICallable
{
    public string Name { get; } = name;

    public object? Call(Interpreter interp, List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        var scope = new Scope(closure);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var kw = kwargs.FindIndex(k => k.Key == p.Name);
            if (i < args.Count)
            {
                if (kw >= 0) throw new TemplateRuntimeError($"macro '{Name}' got multiple values for argument '{p.Name}'");
                scope.Set(p.Name, args[i]);
            }
            else if (kw >= 0) scope.Set(p.Name, kwargs[kw].Value);
            // Defaults are evaluated in the macro's scope so they can refer to earlier parameters.
            else scope.Set(p.Name, p.Default != null ? interp.Evaluate(p.Default, scope)
                : new Undefined($"parameter '{p.Name}' was not provided"));
        }
        var extraKwargs = new OrderedDictionary<string, object?>();
        foreach (var kv in kwargs)
        {
            // {% call %} passes its body as the keyword argument `caller`.
            if (kv.Key == "caller" && kv.Value is Macro) scope.Set("caller", kv.Value);
            else if (!parameters.Any(p => p.Name == kv.Key)) extraKwargs[kv.Key] = kv.Value;
        }
        scope.Set("varargs", args.Skip(parameters.Count).ToArray());
        scope.Set("kwargs", extraKwargs);
        return interp.CallMacroBody(this, body, scope);
    }
}
