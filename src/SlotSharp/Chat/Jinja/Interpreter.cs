using System.Runtime.CompilerServices;
using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// Tree-walking evaluator for one render. Counts steps, loop iterations, call depth, output size, allocated
/// bytes (<see cref="Budget"/>) and integer sizes against <see cref="ChatTemplateLimits"/>; turns internal errors into <see cref="ChatTemplateException"/> with the
/// position of the innermost node that failed.
/// </summary>
sealed class Interpreter
{
    enum Flow { Normal, Break, Continue }

    readonly ChatTemplateLimits _limits;
    readonly Func<DateTime> _clock;
    readonly Stack<StringBuilder> _outputs = new();
    long _steps;
    long _iterations;
    int _callDepth;
    readonly CancellationToken _cancellation;

    /// <param name="cancellation">Checked every <see cref="CancellationStride"/> steps: a server request whose client
    /// left stops rendering instead of finishing a conversation nobody will read (issue 19, defect 2).</param>
    public Interpreter(ChatTemplateLimits limits, Func<DateTime> clock, CancellationToken cancellation = default)
    {
        _limits = limits;
        _clock = clock;
        _cancellation = cancellation;
        Budget = new MemoryBudget(limits.MaxAllocatedBytes, limits.MaxOutputChars);
        Integers = new IntegerBounds(limits.MaxIntegerDigits, Budget);
    }

    /// <summary>Every string, list, dict and int this render builds is charged here first.</summary>
    public MemoryBudget Budget { get; }
    public IntegerBounds Integers { get; }

    /// <summary>Python str() under this render's budget.</summary>
    public string Str(object? v) => PyOps.Str(v, Budget);

    public string Render(IReadOnlyList<Stmt> body, IReadOnlyDictionary<string, object?> context)
    {
        var globals = new Scope(null);
        foreach (var (name, fn) in Globals()) globals.Set(name, fn);
        var contextScope = new Scope(globals);
        foreach (var kv in context) contextScope.Set(kv.Key, kv.Value);
        var top = new Scope(contextScope);
        return Capture(() => ExecBlock(body, top, inLoop: false));
    }

    // ---------------- limits ----------------

    /// <summary>Steps between two looks at the cancellation token: a few microseconds of rendering, a negligible cost.</summary>
    internal const int CancellationStride = 1024;

    public void Step()
    {
        if (++_steps > _limits.MaxSteps)
            throw new LimitExceededError($"template exceeded {_limits.MaxSteps} evaluation steps");
        if (_steps % CancellationStride == 0) _cancellation.ThrowIfCancellationRequested();
    }

    void Write(string text)
    {
        var sb = _outputs.Peek();
        if (sb.Length + text.Length > _limits.MaxOutputChars)
            throw new LimitExceededError($"template output exceeded {_limits.MaxOutputChars} characters");
        Budget.Bytes(2L * text.Length);
        sb.Append(text);
    }

    string Capture(Action action)
    {
        _outputs.Push(new StringBuilder());
        try
        {
            action();
            Budget.Bytes(2L * _outputs.Peek().Length);
            return _outputs.Peek().ToString();
        }
        finally { _outputs.Pop(); }
    }

    static ChatTemplateException Positioned(Exception e, Node at) => e switch
    {
        LimitExceededError => new ChatTemplateException(ChatTemplateErrorKind.LimitExceeded, e.Message, at.Line, at.Column),
        InsufficientExecutionStackException => new ChatTemplateException(ChatTemplateErrorKind.LimitExceeded,
            "template recursion too deep", at.Line, at.Column),
        _ => new ChatTemplateException(ChatTemplateErrorKind.Runtime, e.Message, at.Line, at.Column),
    };

    // ---------------- statements ----------------

    Flow ExecBlock(IReadOnlyList<Stmt> body, Scope scope, bool inLoop)
    {
        foreach (var stmt in body)
        {
            var flow = Exec(stmt, scope, inLoop);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow Exec(Stmt stmt, Scope scope, bool inLoop)
    {
        try
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            Step();
            return ExecCore(stmt, scope, inLoop);
        }
        catch (Exception e) when (e is TemplateRuntimeError or LimitExceededError or InsufficientExecutionStackException)
        {
            throw Positioned(e, stmt);
        }
    }

    Flow ExecCore(Stmt stmt, Scope scope, bool inLoop)
    {
        switch (stmt)
        {
            case TextStmt t: Write(t.Text); return Flow.Normal;
            case PrintStmt p: Write(Str(Evaluate(p.Value, scope))); return Flow.Normal;
            case IfStmt i:
                foreach (var (test, body) in i.Branches)
                    if (PyOps.Truthy(Evaluate(test, scope))) return ExecBlock(body, scope, inLoop);
                return ExecBlock(i.Else, scope, inLoop);
            case ForStmt f: return ExecFor(f, scope, inLoop);
            case SetStmt s: Assign(s.Target, Evaluate(s.Value, scope), scope); return Flow.Normal;
            case SetBlockStmt sb:
            {
                object? captured = Capture(() => ExecBlock(sb.Body, scope, inLoop: false));
                if (sb.Filter != null) captured = ApplyCapturedFilter(sb.Filter, captured, scope);
                Assign(sb.Target, captured, scope);
                return Flow.Normal;
            }
            case MacroStmt m: scope.Set(m.Name, new Macro(m.Name, m.Params, m.Body, scope)); return Flow.Normal;
            case CallBlockStmt c:
            {
                var caller = new Macro("caller", c.CallerParams, c.Body, scope);
                var callee = Evaluate(c.Call.Callee, scope);
                var (args, kwargs) = EvaluateArgs(c.Call.Args, c.Call.Kwargs, scope);
                if (callee is not Macro macro) throw new TemplateRuntimeError("{% call %} needs a macro");
                Write(Str(CallWithCaller(macro, caller, args, kwargs)));
                return Flow.Normal;
            }
            case FilterBlockStmt fb:
            {
                var captured = Capture(() => ExecBlock(fb.Body, scope, inLoop: false));
                Write(Str(ApplyCapturedFilter(fb.Filter, captured, scope)));
                return Flow.Normal;
            }
            case WithStmt w:
            {
                var inner = new Scope(scope);
                foreach (var (target, value) in w.Assignments) Assign(target, Evaluate(value, scope), inner);
                return ExecBlock(w.Body, inner, inLoop);
            }
            case BreakStmt:
                return inLoop ? Flow.Break : throw new TemplateRuntimeError("'break' outside of a for loop");
            case ContinueStmt:
                return inLoop ? Flow.Continue : throw new TemplateRuntimeError("'continue' outside of a for loop");
            default: throw new InvalidOperationException(stmt.GetType().Name);
        }
    }

    object? ApplyCapturedFilter(Expr filter, object? captured, Scope scope)
    {
        var inner = new Scope(scope);
        inner.Set(Parser.CapturedName, captured);
        return Evaluate(filter, inner);
    }

    Flow ExecFor(ForStmt f, Scope scope, bool inLoop)
    {
        var iterable = Evaluate(f.Iterable, scope);
        var items = PyOps.Iterate(iterable, Budget);
        if (f.Filter != null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var probe = new Scope(scope);
                Assign(f.Target, item, probe);
                if (PyOps.Truthy(Evaluate(f.Filter, probe))) kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0) return ExecBlock(f.Else, scope, inLoop);
        var loop = new LoopContext(items);
        for (var i = 0; i < items.Count; i++)
        {
            if (++_iterations > _limits.MaxLoopIterations)
                throw new LimitExceededError($"template exceeded {_limits.MaxLoopIterations} loop iterations");
            loop.Index0 = i;
            var body = new Scope(scope);
            body.Set("loop", loop);
            Assign(f.Target, items[i], body);
            if (ExecBlock(f.Body, body, inLoop: true) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    void Assign(Target target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget n: scope.Set(n.Name, value); break;
            case TupleTarget t:
            {
                var items = PyOps.Iterate(value, Budget);
                if (items.Count != t.Items.Count)
                    throw new TemplateRuntimeError(items.Count > t.Items.Count
                        ? $"too many values to unpack (expected {t.Items.Count})"
                        : $"not enough values to unpack (expected {t.Items.Count}, got {items.Count})");
                for (var i = 0; i < items.Count; i++) Assign(t.Items[i], items[i], scope);
                break;
            }
            case AttributeTarget a:
                if (!scope.TryGet(a.Object, out var obj) || obj is not Namespace ns)
                    throw new TemplateRuntimeError($"cannot assign attribute on non-namespace object '{a.Object}'");
                ns.Attributes[a.Attribute] = value;
                break;
        }
    }

    public object? CallMacroBody(Macro macro, IReadOnlyList<Stmt> body, Scope scope)
    {
        if (++_callDepth > _limits.MaxCallDepth)
            throw new LimitExceededError($"macro calls nested deeper than {_limits.MaxCallDepth} (macro '{macro.Name}')");
        try { return Capture(() => ExecBlock(body, scope, inLoop: false)); }
        finally { _callDepth--; }
    }

    object? CallWithCaller(Macro macro, Macro caller, List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        kwargs.Add(new("caller", caller));
        return macro.Call(this, args, kwargs);
    }

    // ---------------- expressions ----------------

    public object? Evaluate(Expr expr, Scope scope)
    {
        try
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            Step();
            return EvaluateCore(expr, scope);
        }
        catch (Exception e) when (e is TemplateRuntimeError or LimitExceededError or InsufficientExecutionStackException)
        {
            throw Positioned(e, expr);
        }
    }

    object? EvaluateCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.TryGet(n.Name, out var v) ? v : Undefined.ForName(n.Name);
            case ListExpr l:
                Budget.Items(l.Items.Count);
                return l.Items.Select(i => Evaluate(i, scope)).ToList();
            case TupleExpr t:
                Budget.Items(t.Items.Count);
                return t.Items.Select(i => Evaluate(i, scope)).ToArray();
            case DictExpr d:
            {
                Budget.Entries(d.Items.Count);
                var dict = new OrderedDictionary<string, object?>();
                foreach (var (k, val) in d.Items)
                {
                    var key = Evaluate(k, scope) as string
                        ?? throw new TemplateRuntimeError("dict literal keys must be strings in chat templates");
                    dict[key] = Evaluate(val, scope);
                }
                return dict;
            }
            case AttributeExpr a: return PyOps.GetAttribute(Evaluate(a.Object, scope), a.Attribute);
            case ItemExpr i:
            {
                var obj = Evaluate(i.Object, scope);
                if (i.Index is SliceExpr s)
                    return PyOps.Slice(obj, Opt(s.Start, scope), Opt(s.Stop, scope), Opt(s.Step, scope), Budget);
                return PyOps.GetItem(obj, Evaluate(i.Index, scope));
            }
            case CallExpr c:
            {
                var callee = Evaluate(c.Callee, scope);
                var (args, kwargs) = EvaluateArgs(c.Args, c.Kwargs, scope);
                return callee switch
                {
                    ICallable fn => fn.Call(this, args, kwargs),
                    Undefined u => throw u.Fail(),
                    _ => throw new TemplateRuntimeError($"'{PyOps.TypeName(callee)}' object is not callable"),
                };
            }
            case FilterExpr f:
            {
                var value = Evaluate(f.Value, scope);
                var (args, kwargs) = EvaluateArgs(f.Args, f.Kwargs, scope);
                return Filters.Apply(this, f.Name, value, args, kwargs);
            }
            case TestExpr t:
            {
                var value = Evaluate(t.Value, scope);
                var args = t.Args.Select(a => Evaluate(a, scope)).ToList();
                return Tests.Run(t.Name, value, args) != t.Negated;
            }
            case UnaryExpr u:
            {
                var value = Evaluate(u.Operand, scope);
                return u.Op == "-" ? PyArith.Negate(value, Integers) : PyArith.Plus(value);
            }
            case BinaryExpr b:
            {
                var left = Evaluate(b.Left, scope);
                var right = Evaluate(b.Right, scope);
                if (b.Op == "~")
                {
                    string l = Str(left), r = Str(right);
                    Budget.Chars((long)l.Length + r.Length);
                    return l + r;
                }
                return PyArith.Binary(b.Op, left, right, Budget, Integers);
            }
            case CompareExpr c:
            {
                var left = Evaluate(c.First, scope);
                foreach (var (op, rightExpr) in c.Rest)
                {
                    var right = Evaluate(rightExpr, scope);
                    if (!CompareOnce(op, left, right)) return false;
                    left = right;
                }
                return true;
            }
            case AndExpr a:
            {
                var left = Evaluate(a.Left, scope);
                return PyOps.Truthy(left) ? Evaluate(a.Right, scope) : left;
            }
            case OrExpr o:
            {
                var left = Evaluate(o.Left, scope);
                return PyOps.Truthy(left) ? left : Evaluate(o.Right, scope);
            }
            case NotExpr n: return !PyOps.Truthy(Evaluate(n.Operand, scope));
            case CondExpr c:
                if (PyOps.Truthy(Evaluate(c.Test, scope))) return Evaluate(c.Then, scope);
                return c.Else != null ? Evaluate(c.Else, scope) : new Undefined("the inline if-expression has no else branch");
            case SliceExpr: throw new TemplateRuntimeError("a slice is only valid inside [ ]");
            default: throw new InvalidOperationException(expr.GetType().Name);
        }
    }

    object? Opt(Expr? e, Scope scope) => e == null ? null : Evaluate(e, scope);

    static bool CompareOnce(string op, object? left, object? right) => op switch
    {
        "==" => PyOps.Equals(left, right),
        "!=" => !PyOps.Equals(left, right),
        "<" => PyOps.Compare(left, right, op) < 0,
        "<=" => PyOps.Compare(left, right, op) <= 0,
        ">" => PyOps.Compare(left, right, op) > 0,
        ">=" => PyOps.Compare(left, right, op) >= 0,
        "in" => PyOps.Contains(right, left),
        "notin" => !PyOps.Contains(right, left),
        _ => throw new InvalidOperationException(op),
    };

    (List<object?>, List<KeyValuePair<string, object?>>) EvaluateArgs(IReadOnlyList<Expr> args,
        IReadOnlyList<(string Name, Expr Value)> kwargs, Scope scope) =>
        (args.Select(a => Evaluate(a, scope)).ToList(),
         kwargs.Select(k => new KeyValuePair<string, object?>(k.Name, Evaluate(k.Value, scope))).ToList());

    // ---------------- globals ----------------

    IEnumerable<(string, ICallable)> Globals()
    {
        yield return ("range", new BuiltinFunction("range", (_, args, kwargs) => Range(args, kwargs)));
        yield return ("namespace", new BuiltinFunction("namespace", (_, args, kwargs) =>
        {
            var ns = new Namespace();
            Budget.Entries(EntryCount(args, kwargs));
            foreach (var arg in args)
            {
                if (arg is not OrderedDictionary<string, object?> d)
                    throw new TemplateRuntimeError("namespace() takes keyword arguments or a mapping");
                foreach (var kv in d) ns.Attributes[kv.Key] = kv.Value;
            }
            foreach (var kv in kwargs) ns.Attributes[kv.Key] = kv.Value;
            return ns;
        }));
        yield return ("dict", new BuiltinFunction("dict", (_, args, kwargs) =>
        {
            Budget.Entries(EntryCount(args, kwargs));
            var d = new OrderedDictionary<string, object?>();
            foreach (var arg in args)
            {
                if (arg is not OrderedDictionary<string, object?> src)
                    throw new TemplateRuntimeError("dict() takes keyword arguments or a mapping");
                foreach (var kv in src) d[kv.Key] = kv.Value;
            }
            foreach (var kv in kwargs) d[kv.Key] = kv.Value;
            return d;
        }));
        yield return ("raise_exception", new BuiltinFunction("raise_exception", (_, args, kwargs) =>
        {
            var message = Str(new Arguments("raise_exception", args, kwargs, "message").Get("message", ""));
            throw new ChatTemplateException(ChatTemplateErrorKind.RaisedByTemplate,
                $"the chat template rejected this conversation: {message}", templateMessage: message);
        }));
        yield return ("strftime_now", new BuiltinFunction("strftime_now", (_, args, kwargs) =>
            Strftime.Format(_clock(), Str(new Arguments("strftime_now", args, kwargs, "format").Required("format")))));
    }

    /// <summary>Entries dict()/namespace() may create: those of mapping arguments plus keyword arguments.</summary>
    static long EntryCount(List<object?> args, List<KeyValuePair<string, object?>> kwargs) =>
        args.Sum(a => a is OrderedDictionary<string, object?> d ? (long)d.Count : 0) + kwargs.Count;

    List<object?> Range(List<object?> args, List<KeyValuePair<string, object?>> kwargs)
    {
        if (kwargs.Count > 0 || args.Count is 0 or > 3) throw new TemplateRuntimeError("range() takes 1 to 3 integer arguments");
        long start = 0, stop, step = 1;
        if (args.Count == 1) stop = PyOps.ToIndex(args[0], "range() argument");
        else
        {
            start = PyOps.ToIndex(args[0], "range() argument");
            stop = PyOps.ToIndex(args[1], "range() argument");
            if (args.Count == 3) step = PyOps.ToIndex(args[2], "range() argument");
        }
        if (step == 0) throw new TemplateRuntimeError("range() arg 3 must not be zero");
        // Int128: the span of two longs (or a saturated big int) does not fit in a long.
        var count = Int128.Max(0, step > 0 ? ((Int128)stop - start + step - 1) / step : ((Int128)start - stop - step - 1) / -(Int128)step);
        if (count > _limits.MaxRangeLength)
            throw new LimitExceededError($"range() would produce {count} items (limit {_limits.MaxRangeLength})");
        Budget.Items((long)count);
        var result = new List<object?>((int)count);
        for (var i = 0L; i < count; i++) result.Add(start + i * step);
        return result;
    }
}
