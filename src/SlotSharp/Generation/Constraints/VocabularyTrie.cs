using System.Runtime.CompilerServices;
using SlotSharp.Tokenization;

namespace SlotSharp.Generation.Constraints;

/// <summary>
/// Every vocabulary token's exact bytes, in a trie stored in pre-order: a mask is one linear pass over the nodes that
/// steps the automaton by one byte per node and jumps over a whole subtree at the first byte the grammar rejects, so
/// tokens that share a prefix share its work. Tokens without bytes (special and control tokens) are never in it.
/// </summary>
internal sealed class VocabularyTrie
{
    static readonly ConditionalWeakTable<ITokenizer, VocabularyTrie> Cache = [];

    readonly byte[][] _tokenBytes;

    public VocabularyTrie(IReadOnlyList<byte[]?> tokenBytes)
    {
        VocabSize = tokenBytes.Count;
        _tokenBytes = new byte[tokenBytes.Count][];
        var ids = new List<int>();
        for (int i = 0; i < tokenBytes.Count; i++)
        {
            _tokenBytes[i] = tokenBytes[i] ?? [];
            if (_tokenBytes[i].Length > 0) ids.Add(i);
        }
        ids.Sort((a, b) => _tokenBytes[a].AsSpan().SequenceCompareTo(_tokenBytes[b]) is var c && c != 0 ? c : a.CompareTo(b));

        var bytes = new List<byte>();
        var depth = new List<int>();
        var skip = new List<int>();
        var open = new List<int>(); // open[d - 1]: the node at depth d on the current path
        var nodeOfToken = new int[ids.Count];
        byte[] previous = [];
        for (int k = 0; k < ids.Count; k++)
        {
            var t = _tokenBytes[ids[k]];
            int common = 0;
            while (common < t.Length && common < previous.Length && t[common] == previous[common]) common++;
            // Sorted order puts a prefix before its extensions, so a token either repeats the previous one's bytes
            // (same node) or adds nodes below their common prefix.
            if (k > 0 && common == t.Length && common == previous.Length) { nodeOfToken[k] = nodeOfToken[k - 1]; continue; }
            for (int d = open.Count; d > common; d--) skip[open[d - 1]] = bytes.Count;
            open.RemoveRange(common, open.Count - common);
            for (int j = common; j < t.Length; j++)
            {
                open.Add(bytes.Count);
                bytes.Add(t[j]);
                depth.Add(j + 1);
                skip.Add(0);
            }
            nodeOfToken[k] = bytes.Count - 1;
            previous = t;
        }
        foreach (var node in open) skip[node] = bytes.Count;
        NodeBytes = [.. bytes];
        NodeDepth = [.. depth];
        NodeSkip = [.. skip];
        var counts = new int[NodeBytes.Length];
        foreach (var n in nodeOfToken) counts[n]++;
        NodeTokens = new int[NodeBytes.Length + 1];
        for (int n = 0; n < NodeBytes.Length; n++) NodeTokens[n + 1] = NodeTokens[n] + counts[n];
        TokenIds = new int[ids.Count];
        var fill = new int[NodeBytes.Length];
        for (int k = 0; k < ids.Count; k++)
        {
            int n = nodeOfToken[k];
            TokenIds[NodeTokens[n] + fill[n]++] = ids[k];
        }
        MaxDepth = NodeDepth.Length == 0 ? 0 : NodeDepth.Max();
    }

    public int VocabSize { get; }
    public byte[] NodeBytes { get; }
    public int[] NodeDepth { get; }
    /// <summary>The index just past a node's subtree.</summary>
    public int[] NodeSkip { get; }
    /// <summary>Tokens ending at node n are TokenIds[NodeTokens[n] .. NodeTokens[n + 1]).</summary>
    public int[] NodeTokens { get; }
    public int[] TokenIds { get; }
    public int MaxDepth { get; }

    /// <summary>The token's bytes; empty for a special token or an id outside the vocabulary.</summary>
    public ReadOnlySpan<byte> Bytes(int id) => (uint)id < (uint)_tokenBytes.Length ? _tokenBytes[id] : [];

    /// <summary>The trie of a tokenizer's vocabulary, built once per tokenizer.</summary>
    public static VocabularyTrie For(ITokenizer tokenizer)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(tokenizer, out var trie)) return trie;
            var source = tokenizer as ITokenBytes
                         ?? throw new SlotSharpException("this tokenizer does not expose its tokens' bytes, which constrained decoding needs");
            trie = new VocabularyTrie(Enumerable.Range(0, source.TokenBytesCount).Select(source.TokenBytes).ToList());
            Cache.Add(tokenizer, trie);
            return trie;
        }
    }
}
