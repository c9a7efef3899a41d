using System.Collections.Concurrent;
using System.Text;

namespace SlotSharp.Tokenization;

/// <summary>Settings of a tokenizer.json "model" of type BPE.</summary>
internal sealed record BpeOptions(
    string? UnkToken = null,
    bool FuseUnk = false,
    bool ByteFallback = false,
    bool IgnoreMerges = false,
    string? ContinuingSubwordPrefix = null,
    string? EndOfWordSuffix = null);

/// <summary>
/// Byte-pair encoding with HF tokenizers semantics: merges applied lowest rank first (leftmost on ties),
/// ignore_merges (a whole word found in the vocab is emitted as is), byte_fallback to &lt;0xXX&gt; tokens,
/// and unk (optionally fused). In byte-level mode the word's UTF-8 bytes are the initial symbols.
/// Results are cached per word, the pre-tokens of natural text repeat a lot.
/// </summary>
internal sealed class BpeModel
{
    const int MaxCachedWordLength = 256;
    const int MaxCacheEntries = 200_000;

    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    readonly Dictionary<long, (int Rank, int NewId)> _merges;
    readonly BpeOptions _options;
    readonly bool _byteLevel;
    readonly int[] _byteSymbol = new int[256];     // byte-level: vocab id of each byte's character
    readonly int[] _byteFallbackId = new int[256]; // byte_fallback: id of "<0xXX>", -1 if missing
    readonly int _unkId = -1;
    readonly ConcurrentDictionary<string, int[]> _cache = new();
    readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    int _cacheCount;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options, bool byteLevel)
        : this(vocab, BuildTable(vocab, merges, options), options, byteLevel) { }

    static Dictionary<long, (int, int)> BuildTable(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options)
    {
        var builder = new MergeTableBuilder(vocab, options.ContinuingSubwordPrefix, merges.Count);
        foreach (var (a, b) in merges) builder.Add(a, b);
        return builder.Table;
    }

    internal BpeModel(Dictionary<string, int> vocab, Dictionary<long, (int Rank, int NewId)> mergeTable, BpeOptions options, bool byteLevel)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _options = options;
        _byteLevel = byteLevel;
        _merges = mergeTable;
        for (int b = 0; b < 256; b++)
        {
            _byteSymbol[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out var id) ? id : -1;
            _byteFallbackId[b] = vocab.TryGetValue($"<0x{b:X2}>", out var fb) ? fb : -1;
        }
        if (options.UnkToken != null)
            _unkId = vocab.TryGetValue(options.UnkToken, out var unk) ? unk : throw new InvalidDataException($"unk_token \"{options.UnkToken}\" is not in the vocab");
    }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    internal static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Appends the ids of one pre-token.</summary>
    public void EncodeWord(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.Length == 0) return;
        if (word.Length <= MaxCachedWordLength && _cacheBySpan.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        var ids = Compute(word);
        if (word.Length <= MaxCachedWordLength)
        {
            // Unbounded growth would leak on adversarial input; a full reset is simple and rare.
            if (Interlocked.Increment(ref _cacheCount) > MaxCacheEntries) { _cache.Clear(); Interlocked.Exchange(ref _cacheCount, 0); }
            _cacheBySpan.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    int[] Compute(ReadOnlySpan<char> word)
    {
        if (_options.IgnoreMerges)
        {
            var key = _byteLevel ? ByteLevelAlphabet.Encode(word) : word.ToString();
            if (_vocab.TryGetValue(key, out var whole)) return [whole];
        }
        var symbols = _byteLevel ? ByteSymbols(word) : CharSymbols(word);
        return Merge(symbols);
    }

    List<int> ByteSymbols(ReadOnlySpan<char> word)
    {
        var bytes = Encoding.UTF8.GetBytes(word.ToArray());
        var symbols = new List<int>(bytes.Length);
        foreach (var b in bytes)
            if (_byteSymbol[b] >= 0) symbols.Add(_byteSymbol[b]);
            else if (_unkId >= 0) symbols.Add(_unkId); // no byte-level vocab lacks a byte in practice
        return symbols;
    }

    /// <summary>One symbol per code point, with byte_fallback / unk handling as HF BPE::merge_word.</summary>
    List<int> CharSymbols(ReadOnlySpan<char> word)
    {
        var symbols = new List<int>(word.Length);
        var prefix = _options.ContinuingSubwordPrefix;
        var suffix = _options.EndOfWordSuffix;
        bool pendingUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var ch = word.Slice(i, len);
            bool first = i == 0, last = i + len == word.Length;
            i += len;
            int id;
            bool found;
            if (string.IsNullOrEmpty(prefix) && string.IsNullOrEmpty(suffix)) found = _vocabBySpan.TryGetValue(ch, out id);
            else
            {
                var s = (!first && !string.IsNullOrEmpty(prefix) ? prefix : "") + ch.ToString() + (last && !string.IsNullOrEmpty(suffix) ? suffix : "");
                found = _vocab.TryGetValue(s, out id);
            }
            if (found)
            {
                if (pendingUnk) { symbols.Add(_unkId); pendingUnk = false; }
                symbols.Add(id);
                continue;
            }
            if (_options.ByteFallback)
            {
                int n = Encoding.UTF8.GetBytes(ch, utf8);
                bool all = true;
                for (int k = 0; k < n; k++) all &= _byteFallbackId[utf8[k]] >= 0;
                if (all)
                {
                    for (int k = 0; k < n; k++) symbols.Add(_byteFallbackId[utf8[k]]);
                    continue;
                }
            }
            if (_unkId >= 0)
            {
                if (pendingUnk && !_options.FuseUnk) symbols.Add(_unkId);
                pendingUnk = true;
            }
            // Without an unk token HF drops the character silently.
        }
        if (pendingUnk) symbols.Add(_unkId);
        return symbols;
    }

    /// <summary>
    /// Applies merges lowest rank first, leftmost first on equal rank (HF Word::merge_all's priority queue),
    /// on a doubly linked list so long words (no pre-tokenizer, e.g. SentencePiece) stay O(n log n).
    /// </summary>
    int[] Merge(List<int> symbols)
    {
        int n = symbols.Count;
        if (n <= 1) return symbols.ToArray();
        var id = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
        var queue = new PriorityQueue<(int Pos, int NewId, int Left, int Right), (int Rank, int Pos)>();
        void Consider(int pos)
        {
            int nx = next[pos];
            if (nx >= 0 && _merges.TryGetValue(Key(id[pos], id[nx]), out var m))
                queue.Enqueue((pos, m.NewId, id[pos], id[nx]), (m.Rank, pos));
        }
        for (int i = 0; i < n - 1; i++) Consider(i);
        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            // Stale entries: a symbol was removed or changed after this pair was queued.
            if (id[pos] != top.Left || next[pos] < 0 || id[next[pos]] != top.Right) continue;
            int right = next[pos];
            id[pos] = top.NewId;
            id[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) Consider(prev[pos]);
            Consider(pos);
        }
        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(id[i]);
        return result.ToArray();
    }
}

/// <summary>
/// Builds the (left id, right id) → (rank, merged id) table from merges in rank order, looking tokens up by
/// span so the loader can feed it without allocating 2-3 strings per merge.
/// </summary>
sealed class MergeTableBuilder
{
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocab;
    readonly string? _prefix;
    readonly char[] _buffer = new char[512];

    public MergeTableBuilder(Dictionary<string, int> vocab, string? continuingSubwordPrefix, int capacity)
    {
        _vocab = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        Table = new Dictionary<long, (int, int)>(capacity);
    }

    public Dictionary<long, (int Rank, int NewId)> Table { get; }

    public void Add(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int rank = _rank++;
        if (!_vocab.TryGetValue(a, out var ia)) throw Missing(rank, a, b, a);
        if (!_vocab.TryGetValue(b, out var ib)) throw Missing(rank, a, b, b);
        var tail = _prefix != null && b.StartsWith(_prefix, StringComparison.Ordinal) ? b[_prefix.Length..] : b;
        int len = a.Length + tail.Length;
        Span<char> merged = len <= _buffer.Length ? _buffer.AsSpan(0, len) : new char[len];
        a.CopyTo(merged);
        tail.CopyTo(merged[a.Length..]);
        if (!_vocab.TryGetValue(merged, out var im)) throw Missing(rank, a, b, merged);
        Table.TryAdd(BpeModel.Key(ia, ib), (rank, im)); // a repeated pair keeps its first (lowest) rank
    }

    int _rank;

    static InvalidDataException Missing(int rank, ReadOnlySpan<char> a, ReadOnlySpan<char> b, ReadOnlySpan<char> missing) =>
        new($"merge {rank} \"{a} {b}\": \"{missing}\" is not in the vocab");
}
