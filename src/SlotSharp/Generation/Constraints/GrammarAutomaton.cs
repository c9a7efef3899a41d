namespace SlotSharp.Generation.Constraints;

/// <summary>One parse stack, shared by structure: the element to match next, over the positions to return to.</summary>
internal sealed class StackNode(int pos, StackNode? parent, int id)
{
    public int Pos { get; } = pos;
    public StackNode? Parent { get; } = parent;
    public int Id { get; } = id;
}

/// <summary>
/// A set of parse stacks (llama.cpp's stacks after advance_stack): every top is a byte set to match next; Accepting
/// when the grammar may end here. Two equal sets are one state object, so transitions and token masks computed for a
/// state serve every later visit (inside a JSON string the state repeats at each character).
/// </summary>
internal sealed class GrammarState(StackNode[] tops, bool accepting, ulong[] firstBytes)
{
    public StackNode[] Tops { get; } = tops;
    public bool Accepting { get; } = accepting;
    /// <summary>The bytes some top accepts: the others lead to the dead state without looking further.</summary>
    public ulong[] FirstBytes { get; } = firstBytes;
    public bool Dead => Tops.Length == 0 && !Accepting;
    /// <summary>Complete and nothing may follow.</summary>
    public bool Finished => Tops.Length == 0 && Accepting;
    public GrammarState?[]? Next { get; set; }
    public ulong[]? Mask { get; set; }
    public VocabularyTrie? MaskTrie { get; set; }
}

/// <summary>
/// The grammar as a lazily built deterministic automaton over bytes: states are sets of parse stacks, a transition is
/// computed the first time it is taken and then kept. Memory is bounded: past a budget every cached transition and
/// mask is dropped and rebuilt on demand (states in use stay valid). Thread-safe by one lock; in practice only the
/// engine thread drives it.
/// </summary>
internal sealed class GrammarAutomaton
{
    /// <summary>Cached bytes (transitions, masks) above which the caches are dropped.</summary>
    const long MaxCacheBytes = 64L << 20;

    readonly ByteGrammar _g;
    readonly object _lock = new();
    Dictionary<(int Pos, int Parent), StackNode> _nodes = [];
    Dictionary<string, GrammarState> _states = new(StringComparer.Ordinal);
    List<GrammarState> _all = [];
    int _nextNodeId = 1;
    long _cacheBytes;

    public GrammarAutomaton(ByteGrammar grammar)
    {
        _g = grammar;
        Dead = new GrammarState([], false, new ulong[4]);
        lock (_lock)
        {
            var b = new Builder();
            Expand(_g.Root, null, b, ruleStart: true);
            Start = Intern(b);
        }
    }

    /// <summary>A new automaton over the same grammar, with nothing computed yet (measurements of the cold case).</summary>
    public GrammarAutomaton Fresh() => new(_g);

    public GrammarState Start { get; }
    public GrammarState Dead { get; }

    /// <summary>Stack expansions done so far (each a small, bounded piece of work): what bounds a mask's time.</summary>
    public long Work { get; private set; }
    public object Lock => _lock;

    /// <summary>Caller holds <see cref="Lock"/>.</summary>
    public GrammarState Step(GrammarState s, byte b)
    {
        if ((s.FirstBytes[b >> 6] & (1UL << (b & 63))) == 0) return Dead;
        var next = s.Next;
        if (next == null)
        {
            next = s.Next = new GrammarState?[256];
            _cacheBytes += 256 * 8;
        }
        return next[b] ??= Compute(s, b);
    }

    /// <summary>Caller holds <see cref="Lock"/>: the state after <paramref name="bytes"/> (Dead if rejected).</summary>
    public GrammarState Walk(GrammarState s, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            s = Step(s, b);
            if (s.Dead) return s;
        }
        return s;
    }

    /// <summary>Caller holds <see cref="Lock"/>. Counts a mask into the cache budget.</summary>
    public void NoteMask(int words)
    {
        _cacheBytes += words * 8L;
        if (_cacheBytes > MaxCacheBytes) DropCaches();
    }

    GrammarState Compute(GrammarState s, byte b)
    {
        var builder = new Builder();
        foreach (var top in s.Tops)
            if (_g.Contains(_g.Args[top.Pos], b)) Expand(top.Pos + 1, top.Parent, builder, ruleStart: false);
        return Intern(builder);
    }

    void DropCaches()
    {
        foreach (var st in _all) { st.Next = null; st.Mask = null; st.MaskTrie = null; }
        _all = [];
        _states = new(StringComparer.Ordinal);
        _nodes = [];
        _cacheBytes = 0;
    }

    sealed class Builder
    {
        public readonly HashSet<StackNode> Tops = [];
        public readonly HashSet<(int, int)> Seen = [];
        public bool Accepting;
    }

    /// <summary>
    /// Adds to <paramref name="b"/> every stack whose top is a byte set, reachable from "match position pos, then
    /// return to parent" (or, with <paramref name="ruleStart"/>, from "match rule pos"). A finished alternative returns
    /// to its parent; finishing at the bottom is acceptance. Iterative, and each (position, parent) is expanded once.
    /// </summary>
    void Expand(int pos, StackNode? parent, Builder b, bool ruleStart)
    {
        var work = new Stack<(int Pos, StackNode? Parent)>();
        if (ruleStart) foreach (var alt in _g.Rules[pos]) work.Push((alt, parent));
        else work.Push((pos, parent));
        while (work.Count > 0)
        {
            var (p, par) = work.Pop();
            Work++;
            if (!b.Seen.Add((p, par?.Id ?? 0))) continue;
            switch (_g.Kinds[p])
            {
                case ByteGrammar.End:
                    if (par == null) b.Accepting = true;
                    else work.Push((par.Pos, par.Parent));
                    break;
                case ByteGrammar.Bytes:
                    b.Tops.Add(Node(p, par));
                    if (b.Tops.Count > GrammarLimits.MaxStacks)
                        throw new SlotSharpException($"the grammar is too ambiguous: more than {GrammarLimits.MaxStacks} parses are open at once");
                    break;
                default:
                    // Returning to an End is returning to the parent: the call is in tail position, so skip the frame.
                    var cont = _g.Kinds[p + 1] == ByteGrammar.End ? par : Node(p + 1, par);
                    foreach (var alt in _g.Rules[_g.Args[p]]) work.Push((alt, cont));
                    break;
            }
        }
    }

    StackNode Node(int pos, StackNode? parent)
    {
        var key = (pos, parent?.Id ?? 0);
        if (!_nodes.TryGetValue(key, out var node))
        {
            node = new StackNode(pos, parent, _nextNodeId++);
            _nodes[key] = node;
        }
        return node;
    }

    GrammarState Intern(Builder b)
    {
        if (b.Tops.Count == 0 && !b.Accepting) return Dead;
        var tops = b.Tops.OrderBy(n => n.Id).ToArray();
        string key = (b.Accepting ? "A" : "-") + string.Join(",", tops.Select(n => n.Id));
        if (_states.TryGetValue(key, out var state)) return state;
        var first = new ulong[4];
        foreach (var t in tops)
        {
            var set = _g.Sets[_g.Args[t.Pos]];
            for (int w = 0; w < 4; w++) first[w] |= set[w];
        }
        state = new GrammarState(tops, b.Accepting, first);
        _states[key] = state;
        _all.Add(state);
        _cacheBytes += 64 + tops.Length * 8L + key.Length * 2L;
        if (_cacheBytes > MaxCacheBytes) DropCaches();
        return state;
    }
}
