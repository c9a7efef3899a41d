using SlotSharp.Backends;
using SlotSharp.Slot;

namespace SlotSharp.Engine;

/// <summary>
/// Prompt prefixes the engine keeps after their prefill, so a later request that starts with the same tokens (a shared
/// system prompt, a few-shot preamble, the earlier turns of a chat) prefills only the rest. An entry is a backend
/// sequence of its own (a fork of the prefilled one: llama.cpp shares the cells, TorchSharp copies the cache) and,
/// when its prefill kept them, the prompt's hidden states H and logits rows: SLOT's prompt stage needs both for every
/// prompt position, and the delta never touches the KV, so a SLOT request reuses a prefix exactly when the entry has
/// its rows. Entries are evicted least recently used when the engine needs their sequence places, KV or host memory,
/// or beyond <see cref="EngineOptions.PrefixCacheEntries"/> (and the backend's CacheSequences). Engine thread only.
/// </summary>
internal sealed class PrefixCache(bool enabled, int maxEntries, long hostBytes, long perPositionCost) : IDisposable
{
    internal sealed class Entry(int[] ids, BackendSequence sequence, HostMatrix? hidden, HostMatrix? logits)
    {
        /// <summary>The tokens whose KV the sequence holds.</summary>
        public int[] Ids { get; } = ids;
        public BackendSequence Sequence { get; } = sequence;
        /// <summary>H ([R, d]) of the first R positions (R = <see cref="Rows"/>), or null.</summary>
        public HostMatrix? Hidden { get; } = hidden;
        /// <summary>Logits ([R, V]) of the first R positions, or null.</summary>
        public HostMatrix? Logits { get; } = logits;
        public int Rows => Hidden?.Rows ?? Logits?.Rows ?? 0;
        public long HostBytes => ((long)(Hidden?.Rows ?? 0) * (Hidden?.Columns ?? 0) + (long)(Logits?.Rows ?? 0) * (Logits?.Columns ?? 0)) * sizeof(float);
        public long LastUsed { get; set; }
        /// <summary>A prefill started after this entry and has yet to copy its rows: it must not be dropped until then.</summary>
        public bool Pinned { get; set; }

        public void Dispose()
        {
            Sequence.Dispose();
            Hidden?.Dispose();
            Logits?.Dispose();
        }
    }

    readonly List<Entry> _entries = [];
    long _clock, _hits, _reused, _evictions;
    volatile int _count;

    /// <summary>Whether requests may reuse and leave prefixes at all.</summary>
    public bool Enabled => enabled && maxEntries > 0;

    /// <summary>Entries held now (read on any thread).</summary>
    public int Count => _count;

    /// <summary>KV the entries hold, in the budget's unit (counted in full even where llama.cpp shares cells with a live sequence).</summary>
    public long KvHeld => _entries.Sum(e => (long)e.Ids.Length * perPositionCost);

    public long HostBytes => _entries.Sum(e => e.HostBytes);

    /// <summary>Requests that reused a prefix (read on any thread).</summary>
    public long Hits => Interlocked.Read(ref _hits);
    /// <summary>Prompt positions not prefilled thanks to a reused prefix (read on any thread).</summary>
    public long ReusedTokens => Interlocked.Read(ref _reused);
    /// <summary>Entries dropped to make room (read on any thread); an entry a longer one replaced is not counted.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>
    /// The entry sharing the longest prefix with <paramref name="ids"/>, and how many positions to reuse: at most
    /// T - 1 (the last prompt position always runs, for its logits), and no more rows than the entry has when the
    /// request needs H (<paramref name="needsRows"/>) or every position's logits (<paramref name="needsLogits"/>).
    /// </summary>
    public (Entry Entry, int Reuse)? Match(IReadOnlyList<int> ids, bool needsRows, bool needsLogits)
    {
        if (!Enabled) return null;
        (Entry, int)? best = null;
        foreach (var e in _entries)
        {
            if (needsRows && e.Hidden == null || needsLogits && e.Logits == null) continue;
            int limit = Math.Min(e.Ids.Length, ids.Count - 1);
            if (needsRows || needsLogits) limit = Math.Min(limit, e.Rows);
            int n = 0;
            while (n < limit && e.Ids[n] == ids[n]) n++;
            if (n > 0 && (best is not { } b || n > b.Item2)) best = (e, n);
        }
        return best;
    }

    /// <summary>Counts a reuse and marks the entry used.</summary>
    public void Used(Entry entry, int reuse)
    {
        entry.LastUsed = ++_clock;
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _reused, reuse);
    }

    /// <summary>
    /// Keeps <paramref name="sequence"/> (the cache owns it from here) holding <paramref name="ids"/>, with copies of
    /// the rows of <paramref name="hidden"/> and <paramref name="logits"/> it has, when the host budget allows them. An
    /// entry whose tokens the new one extends (and whose rows it covers) is dropped: every match it gave, the new one
    /// gives. Call <see cref="MakeRoomForOne"/> first, which frees the sequence place the entry takes.
    /// </summary>
    public void Add(int[] ids, BackendSequence sequence, HostMatrix? hidden, HostMatrix? logits)
    {
        HostMatrix? keptHidden = null, keptLogits = null;
        int rows = Math.Min(ids.Length, Math.Max(hidden?.Rows ?? 0, logits?.Rows ?? 0));
        long rowBytes = (long)rows * ((hidden != null ? hidden.Columns : 0) + (logits != null ? logits.Columns : 0)) * sizeof(float);
        if (rows > 0 && rowBytes <= hostBytes)
        {
            while (HostBytes + rowBytes > hostBytes && EvictOldest()) { }
            keptHidden = hidden?.CopyRows(rows);
            keptLogits = logits?.CopyRows(rows);
        }
        else rows = 0;
        foreach (var old in _entries.Where(e => !e.Pinned && IsPrefix(e.Ids, ids) && e.Rows <= rows
                     && (e.Hidden == null || keptHidden != null) && (e.Logits == null || keptLogits != null)).ToList())
            Remove(old, evicted: false);
        _entries.Add(new Entry(ids, sequence, keptHidden, keptLogits) { LastUsed = ++_clock });
        _count = _entries.Count;
    }

    /// <summary>Evicts the oldest entries until one more fits the entry limit; false when the cache is off.</summary>
    public bool MakeRoomForOne()
    {
        if (!Enabled) return false;
        while (_entries.Count >= maxEntries && EvictOldest()) { }
        return _entries.Count < maxEntries;
    }

    /// <summary>True when an entry already holds these tokens (or more) with at least these rows: nothing to add.</summary>
    public bool Holds(IReadOnlyList<int> ids, int rows) =>
        _entries.Any(e => e.Ids.Length >= ids.Count && e.Rows >= Math.Min(rows, ids.Count) && IsPrefix(ids, e.Ids));

    /// <summary>Evicts the least recently used entry other than <paramref name="keep"/> and a pinned one; false when none is left.</summary>
    public bool EvictOldest(Entry? keep = null)
    {
        var victim = _entries.Where(e => e != keep && !e.Pinned).MinBy(e => e.LastUsed);
        if (victim == null) return false;
        Remove(victim, evicted: true);
        return true;
    }

    void Remove(Entry entry, bool evicted)
    {
        _entries.Remove(entry);
        _count = _entries.Count;
        entry.Dispose();
        if (evicted) Interlocked.Increment(ref _evictions);
    }

    static bool IsPrefix(IReadOnlyList<int> prefix, IReadOnlyList<int> ids)
    {
        if (prefix.Count > ids.Count) return false;
        for (int i = 0; i < prefix.Count; i++) if (prefix[i] != ids[i]) return false;
        return true;
    }

    public void Dispose()
    {
        foreach (var e in _entries) e.Dispose();
        _entries.Clear();
        _count = 0;
    }
}
