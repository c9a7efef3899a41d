using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Per-layer key/value cache for incremental decoding: [B, kv_heads, capacity, head_dim] buffers that grow as
/// positions are appended (doubling, copying the filled part), so memory follows the tokens actually generated
/// rather than the most that could be. <see cref="Length"/> is the number of positions already stored (the same
/// for every row).
/// </summary>
internal sealed class KvCache : IDisposable
{
    readonly Tensor?[] _keys, _values;
    readonly long _initialCapacity;

    public long Length { get; private set; }

    /// <summary>
    /// The most positions the owner expects to store: doubling stops there instead of overshooting it (a 32k-token
    /// context would otherwise reserve 64k). Growth continues past it, doubling again, if more positions do come.
    /// </summary>
    public long ExpectedMaximum { get; set; }

    /// <summary>Positions the buffers hold now (0 before the first append).</summary>
    public long Capacity => _keys.Length > 0 ? _keys[0]?.shape[2] ?? 0 : 0;

    public KvCache(int layers, long initialCapacity = 256, long expectedMaximum = long.MaxValue)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _initialCapacity = Math.Max(1, initialCapacity);
        ExpectedMaximum = expectedMaximum;
    }

    /// <summary>Stores k, v ([B, kv_heads, T, head_dim]) after the cached positions; returns views of all positions.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2], end = Length + t;
        if (_keys[layer] is null || end > _keys[layer]!.shape[2]) Reallocate(layer, k, end);
        _keys[layer]!.narrow(2, Length, t).copy_(k);
        _values[layer]!.narrow(2, Length, t).copy_(v);
        return (_keys[layer]!.narrow(2, 0, end), _values[layer]!.narrow(2, 0, end));
    }

    /// <summary>Room for <paramref name="needed"/> positions: the initial size, then doubling, clipped to the expected maximum.</summary>
    long NextCapacity(int layer, long needed)
    {
        long wanted = _keys[layer] is { } old ? old.shape[2] * 2 : _initialCapacity;
        if (needed <= ExpectedMaximum) wanted = Math.Min(wanted, ExpectedMaximum);
        return Math.Max(needed, wanted);
    }

    void Reallocate(int layer, Tensor like, long needed)
    {
        long[] shape = [like.shape[0], like.shape[1], NextCapacity(layer, needed), like.shape[3]];
        var keys = empty(shape, like.dtype, like.device);
        var values = empty(shape, like.dtype, like.device);
        if (_keys[layer] is { } oldK && _values[layer] is { } oldV)
        {
            keys.narrow(2, 0, Length).copy_(oldK.narrow(2, 0, Length));
            values.narrow(2, 0, Length).copy_(oldV.narrow(2, 0, Length));
            oldK.Dispose(); oldV.Dispose();
        }
        // The cache outlives the forward pass's dispose scope.
        keys.DetachFromDisposeScope(); values.DetachFromDisposeScope();
        _keys[layer] = keys; _values[layer] = values;
    }

    /// <summary>
    /// A new cache holding a copy of this one's first <paramref name="length"/> positions (all filled ones by default;
    /// capacity: just those, it grows on append).
    /// </summary>
    public KvCache Copy(long length = -1)
    {
        if (length < 0) length = Length;
        if (length > Length) throw new ArgumentOutOfRangeException(nameof(length), $"cannot copy {length} positions of a cache of {Length}");
        var copy = new KvCache(_keys.Length, _initialCapacity, ExpectedMaximum) { Length = length };
        for (int layer = 0; layer < _keys.Length; layer++)
        {
            if (_keys[layer] is not { } k || _values[layer] is not { } v) continue;
            using var filledK = k.narrow(2, 0, length);
            using var filledV = v.narrow(2, 0, length);
            var keys = filledK.clone();
            var values = filledV.clone();
            keys.DetachFromDisposeScope(); values.DetachFromDisposeScope();
            copy._keys[layer] = keys; copy._values[layer] = values;
        }
        return copy;
    }

    /// <summary>Forgets every position from <paramref name="length"/> on (later appends overwrite them).</summary>
    public void Rewind(long length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length), $"cannot rewind a cache of {Length} positions to {length}");
        Length = length;
    }

    /// <summary>Called by the model once every layer has appended the new positions.</summary>
    internal void Advance(long t) => Length += t;

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys); Array.Clear(_values);
        Length = 0;
    }
}
