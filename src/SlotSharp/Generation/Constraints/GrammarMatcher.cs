using SlotSharp.Tokenization;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// One sequence's position in its constraint's grammar: which tokens may come next (a bit mask over the vocabulary,
/// cached per automaton state), whether the output may end here, and the step past each chosen token's bytes.
/// </summary>
internal sealed class GrammarMatcher
{
    readonly GrammarAutomaton _automaton;
    readonly VocabularyTrie _trie;
    GrammarState _state;

    public GrammarMatcher(OutputConstraint constraint, ITokenizer tokenizer)
        : this(constraint.Automaton, VocabularyTrie.For(tokenizer)) { }

    internal GrammarMatcher(GrammarAutomaton automaton, VocabularyTrie trie)
    {
        _automaton = automaton;
        _trie = trie;
        _state = automaton.Start;
    }

    public VocabularyTrie Trie => _trie;

    /// <summary>The grammar accepts the output so far as complete (end-of-sequence may come now).</summary>
    public bool CanEnd => _state.Accepting;

    /// <summary>Complete, and no byte may follow: the output is over.</summary>
    public bool Finished => _state.Finished;

    /// <summary>Masks computed since this matcher started (a cached mask is not counted).</summary>
    public int MasksComputed { get; private set; }

    /// <summary>True when the token's bytes continue the grammar (always false for tokens without bytes).</summary>
    public bool Allows(int id)
    {
        var bytes = _trie.Bytes(id);
        if (bytes.IsEmpty) return false;
        lock (_automaton.Lock) return !_automaton.Walk(_state, bytes).Dead;
    }

    /// <summary>Bit id is set when token id may come next (end-of-sequence ids are the caller's to add).</summary>
    public ulong[] Mask()
    {
        lock (_automaton.Lock)
        {
            var state = _state;
            if (state.Mask is { } cached && state.MaskTrie == _trie) return cached;
            var mask = Compute(state);
            state.Mask = mask;
            state.MaskTrie = _trie;
            _automaton.NoteMask(mask.Length);
            MasksComputed++;
            return mask;
        }
    }

    ulong[] Compute(GrammarState start)
    {
        var mask = new ulong[(_trie.VocabSize + 63) / 64];
        var bytes = _trie.NodeBytes;
        var depth = _trie.NodeDepth;
        var skip = _trie.NodeSkip;
        var tokens = _trie.NodeTokens;
        var ids = _trie.TokenIds;
        var path = new GrammarState[_trie.MaxDepth + 1];
        path[0] = start;
        long budget = _automaton.Work + GrammarLimits.MaxMaskWork;
        int i = 0, n = bytes.Length;
        while (i < n)
        {
            // A grammar ambiguous enough to open thousands of parses at every byte would make one mask take minutes.
            if ((i & 1023) == 0 && _automaton.Work > budget)
                throw new SlotSharpException($"the output constraint is too complex to decode: one token mask took more than {GrammarLimits.MaxMaskWork} parse steps");
            int d = depth[i];
            var s = _automaton.Step(path[d - 1], bytes[i]);
            if (s.Dead) { i = skip[i]; continue; }
            path[d] = s;
            for (int k = tokens[i]; k < tokens[i + 1]; k++)
            {
                int id = ids[k];
                mask[id >> 6] |= 1UL << (id & 63);
            }
            i++;
        }
        return mask;
    }

    /// <summary>Moves past a chosen token's bytes; a token the grammar rejects is a caller bug.</summary>
    public void Accept(int id)
    {
        lock (_automaton.Lock)
        {
            var next = _automaton.Walk(_state, _trie.Bytes(id));
            if (next.Dead || _trie.Bytes(id).IsEmpty) throw new InvalidOperationException($"token {id} does not continue the grammar");
            _state = next;
        }
    }
}
