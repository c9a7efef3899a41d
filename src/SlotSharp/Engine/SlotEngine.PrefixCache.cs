using SlotSharp.Backends;

namespace SlotSharp.Engine;

/// <summary>
/// The prefix cache's place in the step: an admitted request starts its prefill after the longest cached prefix of
/// its prompt, its prefill leaves its prompt behind as a new entry, and a finished request leaves its prompt and
/// answer (a chat's next turn starts with both). Cached entries hold KV outside every request's reservation, so the
/// scheduler admits as if they were free and the engine evicts them (least recently used) until the reservations and
/// the entries fit the budget together.
/// </summary>
public sealed partial class SlotEngine
{
    /// <summary>Starts the request's prefill, after a cached prefix of its prompt when there is one.</summary>
    PrefillRun StartPrefill(EngineWork work)
    {
        var request = work.Request;
        long expected = KvBudget.Positions(request.PromptIds.Count, work.Generation.MaxNewTokens);
        var match = _cache.Match(request.PromptIds, needsRows: work.NeedsHidden, needsLogits: request.PromptLogprobs);
        // Room for the request beside the entries, keeping its prefix for as long as anything else can go.
        while (_budget.Reserved + _cache.KvHeld + work.KvCost > _budget.Capacity && _cache.EvictOldest(keep: match?.Entry)) { }
        if (match is { } m && _budget.Reserved + _cache.KvHeld + work.KvCost > _budget.Capacity)
        {
            _cache.EvictOldest();
            match = null;
        }
        if (match is not { Entry: var entry, Reuse: var reuse })
            return _model.Backend.StartPrefill(request.PromptIds, keepHidden: work.NeedsHidden, expected, keepLogits: request.PromptLogprobs);
        var run = _model.Backend.StartPrefillAfter(entry.Sequence, reuse, request.PromptIds, keepHidden: work.NeedsHidden, expected,
            keepLogits: request.PromptLogprobs);
        _cache.Used(entry, reuse);
        entry.Pinned = true; // until CachePrompt copies its rows, or the request ends first (Finish)
        work.ReusedPrefix = (entry, reuse);
        return run;
    }

    /// <summary>
    /// The prefill is done: rows the reused prefix skipped are copied from its entry, then the prompt becomes an entry
    /// of its own (a fork of the sequence: llama.cpp shares the cells, TorchSharp copies them) unless one holds it.
    /// </summary>
    void CachePrompt(EngineWork work)
    {
        var sequence = work.Sequence!;
        if (work.ReusedPrefix is { Entry: var entry, Reuse: var reuse })
        {
            work.ReusedPrefix = null;
            entry.Pinned = false;
            if (sequence.PromptHidden is { } hidden) entry.Hidden!.RowSpan(0, reuse).CopyTo(hidden.RowSpan(0, reuse));
            if (sequence.PromptLogits is { } logits)
            {
                if (entry.Logits is { } kept) kept.RowSpan(0, reuse).CopyTo(logits.RowSpan(0, reuse));
                // The backend kept logits the entry has no rows for (its prompt was over the backend's budget for them):
                // without them SLOT recomputes every row from H, so the stage's result stays exact.
                else sequence.TakePromptLogits()?.Dispose();
            }
        }
        int rows = Math.Max(sequence.PromptHidden?.Rows ?? 0, sequence.PromptLogits?.Rows ?? 0);
        AddEntry(sequence, sequence.PromptIds, sequence.PromptHidden, sequence.PromptLogits, rows);
    }

    /// <summary>
    /// A plain request that ended normally leaves its sequence (prompt and the answer's tokens fed back) to the cache
    /// instead of freeing it, as a KV-only entry. Called once its reservation is released. Returns whether the cache
    /// took it.
    /// </summary>
    bool CacheAnswer(EngineWork work, FinishReason reason)
    {
        if (reason is not (FinishReason.Stop or FinishReason.Length) || work.Request.Choices != 1 || work.Branched
            || work.Sequence is not { } sequence || work.Lanes.Count != 1 || work.Lanes[0].Sequence != sequence) return false;
        int fed = sequence.Length - sequence.PromptIds.Length; // the last chosen token is never fed back
        var generated = work.Lanes[0].Decode.Generated;
        if (fed <= 0 || fed > generated.Count) return false;
        int[] ids = [.. sequence.PromptIds, .. generated.Take(fed)];
        if (!_cache.Enabled || _cache.Holds(ids, 0)) return false;
        if (!MakeEntryRoom(ids.Length)) return false;
        _cache.Add(ids, work.TakeSequence(), null, null);
        return true;
    }

    /// <summary>Evicts the oldest entries until one of <paramref name="length"/> positions fits beside the reservations.</summary>
    bool MakeEntryRoom(int length)
    {
        long cost = _budget.Cost(length, 1);
        while (_budget.Reserved + _cache.KvHeld + cost > _budget.Capacity && _cache.EvictOldest()) { }
        return _budget.Reserved + _cache.KvHeld + cost <= _budget.Capacity && _cache.MakeRoomForOne();
    }

    void AddEntry(BackendSequence sequence, int[] ids, Slot.HostMatrix? hidden, Slot.HostMatrix? logits, int rows)
    {
        if (!_cache.Enabled || _cache.Holds(ids, rows) || !MakeEntryRoom(ids.Length)) return;
        var fork = _model.Backend.Fork(sequence);
        try { _cache.Add(ids, fork, hidden, logits); }
        catch
        {
            fork.Dispose();
            throw;
        }
    }
}
