namespace SlotSharp.Chat.Jinja;

/// <summary>
/// A variable frame. Jinja2 scoping: for-loop bodies (fresh per iteration), macros and with-blocks get a child
/// frame, so `set` inside them does not leak out; if-blocks share their parent's frame.
/// </summary>
sealed class Scope(Scope? parent)
{
    readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public void Set(string name, object? value) => _vars[name] = value;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }
}
