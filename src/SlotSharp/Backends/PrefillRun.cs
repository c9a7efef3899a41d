using System.Diagnostics;

namespace SlotSharp.Backends;

/// <summary>
/// A prefill in progress: a new sequence filled with its prompt one chunk of positions at a time, so a scheduler can
/// run other sequences' decode steps between chunks (<see cref="Engine.SlotEngine"/>). When <see cref="Finished"/>,
/// <see cref="Complete"/> hands over the sequence with H (when kept) and the last logits exactly as
/// <see cref="IModelBackend.Prefill"/> gives them, which is this same loop run to the end. Until then the run owns the
/// partial sequence; disposing it frees that (a KV cache, a llama.cpp sequence id). Not thread-safe.
/// </summary>
public abstract class PrefillRun : IDisposable
{
    readonly Stopwatch _compute = new();
    bool _handedOver, _disposed;

    /// <param name="start">Positions already in the sequence's cache (a reused prefix): the chunks run from there.</param>
    protected PrefillRun(int[] promptIds, bool keepHidden, int start = 0)
    {
        if (start < 0 || start >= promptIds.Length && promptIds.Length > 0)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"a prefill of {promptIds.Length} positions starts before its last one");
        PromptIds = promptIds;
        KeepHidden = keepHidden;
        Start = start;
        Position = start;
    }

    public int[] PromptIds { get; }

    public bool KeepHidden { get; }

    /// <summary>Positions taken from a reused prefix's cache instead of being run (0 for a whole prefill).</summary>
    public int Start { get; }

    /// <summary>Prompt positions in the cache so far (the reused ones included).</summary>
    public int Position { get; private set; }

    public bool Finished => Position == PromptIds.Length;

    /// <summary>The most positions one forward pass of this backend takes (its own memory bound); chunks never exceed it.</summary>
    public abstract int MaxChunk { get; }

    /// <summary>
    /// Runs the next chunk: min(<paramref name="maxPositions"/>, <see cref="MaxChunk"/>, remaining) positions.
    /// Returns how many ran. The time spent here adds up to the sequence's PrefillMilliseconds.
    /// </summary>
    public int Advance(int maxPositions = int.MaxValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (maxPositions < 1) throw new SlotSharpException($"a prefill chunk must be >= 1 position, got {maxPositions}");
        if (Finished) throw new InvalidOperationException("the prefill has already run its whole prompt");
        int count = Math.Min(Math.Min(maxPositions, MaxChunk), PromptIds.Length - Position);
        _compute.Start();
        try { RunChunk(Position, count); }
        finally { _compute.Stop(); }
        Position += count;
        return count;
    }

    /// <summary>Hands over the finished sequence; the caller owns (and disposes) it, the run no longer does.</summary>
    public BackendSequence Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Finished) throw new InvalidOperationException($"the prefill has run {Position} of {PromptIds.Length} positions");
        if (_handedOver) throw new InvalidOperationException("the prefill's sequence was already handed over");
        var sequence = BuildSequence(_compute.Elapsed.TotalMilliseconds);
        _handedOver = true;
        return sequence;
    }

    /// <summary>The whole prefill at once (a backend's Prefill): chunks of <see cref="MaxChunk"/>, cancel checked between them.</summary>
    public static BackendSequence RunToEnd(PrefillRun run, CancellationToken cancel = default)
    {
        using (run)
        {
            while (!run.Finished)
            {
                cancel.ThrowIfCancellationRequested();
                run.Advance();
            }
            return run.Complete();
        }
    }

    /// <summary>Runs prompt positions [start, start + count); the last chunk also produces the last position's logits.</summary>
    protected abstract void RunChunk(int start, int count);

    /// <summary>The finished sequence, built from what the chunks gathered (called once).</summary>
    protected abstract BackendSequence BuildSequence(double prefillMilliseconds);

    /// <summary>Frees what the chunks gathered: everything when the sequence was not handed over, else only the leftovers.</summary>
    protected abstract void Release(bool handedOver);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release(_handedOver);
        GC.SuppressFinalize(this);
    }
}
