namespace SlotSharp.Generation.Constraints;

/// <summary>
/// A grammar lowered to bytes, in one flat array of elements: every character set became a byte set (ASCII) or a rule
/// of byte-set sequences (its UTF-8 encodings), so a token that ends inside a character is matched exactly. Each
/// alternative is a run of elements closed by an End element; a rule is the start positions of its alternatives.
/// </summary>
internal sealed class ByteGrammar
{
    public const byte End = 0, Bytes = 1, Ref = 2;

    readonly List<byte> _kinds = [];
    readonly List<int> _args = [];
    readonly List<ulong[]> _sets = [];
    readonly List<int[]> _rules = [];

    public byte[] Kinds { get; private set; } = [];
    /// <summary>Per element: the byte set's index (Bytes) or the rule's (Ref).</summary>
    public int[] Args { get; private set; } = [];
    /// <summary>Byte sets, four 64-bit words each.</summary>
    public ulong[][] Sets { get; private set; } = [];
    public int[][] Rules { get; private set; } = [];
    public int Root { get; private set; }

    public bool Contains(int set, byte b) => (Sets[set][b >> 6] & (1UL << (b & 63))) != 0;

    public static ByteGrammar Lower(GrammarDef g)
    {
        var bg = new ByteGrammar();
        var charRules = new Dictionary<string, int>(StringComparer.Ordinal);
        int n = g.Rules.Count;
        var pending = new List<(int Rule, List<List<Sym>> Alts)>();
        for (int r = 0; r < n; r++) bg._rules.Add([]);
        for (int r = 0; r < n; r++)
        {
            var starts = new List<int>();
            foreach (var alt in g.Rules[r]!)
            {
                // Lower every symbol first: a character rule appends its own elements, which must not interleave.
                var lowered = alt.Select(s => s.IsRef ? (Ref, s.Rule) : bg.LowerChars(s.Chars!, charRules)).ToList();
                starts.Add(bg._kinds.Count);
                foreach (var (kind, arg) in lowered) bg.Emit(kind, arg);
                bg.Emit(End, 0);
            }
            bg._rules[r] = [.. starts];
        }
        bg.Kinds = [.. bg._kinds];
        bg.Args = [.. bg._args];
        bg.Sets = [.. bg._sets];
        bg.Rules = [.. bg._rules];
        bg.Root = g.Root;
        bg.CheckNoLeftRecursion(g.Names);
        return bg;
    }

    void Emit(byte kind, int arg) { _kinds.Add(kind); _args.Add(arg); }

    (byte Kind, int Arg) LowerChars(CodePointRanges chars, Dictionary<string, int> charRules)
    {
        if (chars.Ranges.Count > 0 && chars.Ranges[^1].Hi < 0x80)
        {
            var set = new ulong[4];
            foreach (var (lo, hi) in chars.Ranges) for (int b = lo; b <= hi; b++) set[b >> 6] |= 1UL << (b & 63);
            return (Bytes, AddSet(set));
        }
        string key = string.Join(",", chars.Ranges.Select(r => $"{r.Lo}-{r.Hi}"));
        if (charRules.TryGetValue(key, out var existing)) return (Ref, existing);
        // One alternative per UTF-8 byte-range sequence; the one-byte ones share a single byte set.
        var oneByte = new ulong[4];
        var longer = new List<(byte Lo, byte Hi)[]>();
        foreach (var (lo, hi) in chars.Ranges)
            foreach (var seq in Utf8Ranges.Split(lo, hi))
            {
                if (seq.Length == 1) { for (int b = seq[0].Lo; b <= seq[0].Hi; b++) oneByte[b >> 6] |= 1UL << (b & 63); }
                else longer.Add(seq);
            }
        var starts = new List<int>();
        if (oneByte.Any(w => w != 0) || longer.Count == 0)
        {
            // An empty set still gets one alternative: a byte set that matches nothing.
            int set = AddSet(oneByte);
            starts.Add(_kinds.Count);
            Emit(Bytes, set);
            Emit(End, 0);
        }
        foreach (var seq in longer)
        {
            var sets = seq.Select(r =>
            {
                var s = new ulong[4];
                for (int b = r.Lo; b <= r.Hi; b++) s[b >> 6] |= 1UL << (b & 63);
                return AddSet(s);
            }).ToList();
            starts.Add(_kinds.Count);
            foreach (var s in sets) Emit(Bytes, s);
            Emit(End, 0);
        }
        int rule = _rules.Count;
        _rules.Add([.. starts]);
        charRules[key] = rule;
        return (Ref, rule);
    }

    int AddSet(ulong[] set) { _sets.Add(set); return _sets.Count - 1; }

    /// <summary>
    /// Refuses left recursion: a rule that can reach itself before consuming a byte (directly or through rules that
    /// can match nothing) through a call that is not the last of its alternative. Expanding it would push a new frame
    /// each time round and never end (llama.cpp refuses it too). A cycle of calls that are all last (x* over a
    /// nullable x: star ::= x star) pushes no frame, so expansion meets the same stack again and stops: allowed.
    /// </summary>
    void CheckNoLeftRecursion(List<string> names)
    {
        int n = Rules.Length;
        var nullable = new bool[n];
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int r = 0; r < n; r++)
            {
                if (nullable[r]) continue;
                foreach (var start in Rules[r])
                {
                    int p = start;
                    while (Kinds[p] == Ref && nullable[Args[p]]) p++;
                    if (Kinds[p] == End) { nullable[r] = true; changed = true; break; }
                }
            }
        }
        // Edges r -> s where s can come first in r, marked when the call is not the last element.
        var edges = new List<(int To, bool Grows)>[n];
        for (int r = 0; r < n; r++)
        {
            edges[r] = [];
            foreach (var start in Rules[r])
                for (int p = start; Kinds[p] == Ref; p++)
                {
                    edges[r].Add((Args[p], Kinds[p + 1] != End));
                    if (!nullable[Args[p]]) break;
                }
        }
        var component = StronglyConnected(edges);
        for (int r = 0; r < n; r++)
            foreach (var (to, grows) in edges[r])
                if (grows && component[to] == component[r])
                    throw new SlotSharpException($"the grammar is left-recursive at rule '{(r < names.Count ? names[r] : "a character class")}'");
    }

    /// <summary>Each node's strongly connected component (Tarjan's algorithm, iterative: rule chains can be long).</summary>
    static int[] StronglyConnected(List<(int To, bool Grows)>[] edges)
    {
        int n = edges.Length, counter = 0, components = 0;
        var index = new int[n];
        var low = new int[n];
        var component = new int[n];
        var onStack = new bool[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Edge)>();
        for (int root = 0; root < n; root++)
        {
            if (index[root] >= 0) continue;
            work.Push((root, 0));
            while (work.Count > 0)
            {
                var (v, e) = work.Pop();
                if (e == 0)
                {
                    index[v] = low[v] = counter++;
                    stack.Push(v);
                    onStack[v] = true;
                }
                if (e > 0) low[v] = Math.Min(low[v], low[edges[v][e - 1].To]);
                bool descended = false;
                for (; e < edges[v].Count; e++)
                {
                    int w = edges[v][e].To;
                    if (index[w] < 0)
                    {
                        work.Push((v, e + 1));
                        work.Push((w, 0));
                        descended = true;
                        break;
                    }
                    if (onStack[w]) low[v] = Math.Min(low[v], index[w]);
                }
                if (descended) continue;
                if (low[v] == index[v])
                {
                    int w;
                    do { w = stack.Pop(); onStack[w] = false; component[w] = components; } while (w != v);
                    components++;
                }
            }
        }
        return component;
    }
}
