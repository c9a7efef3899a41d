using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// Per-layer key/value cache for incremental decoding: preallocated [B, kv_heads, capacity, head_dim] buffers,
/// grown by doubling. <see cref="Length"/> is the number of positions already stored (the same for every row).
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor?[] _keys, _values;
    long _capacity;

    public long Length { get; private set; }

    public KvCache(int layers, long initialCapacity = 256)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _capacity = Math.Max(1, initialCapacity);
    }

    /// <summary>Stores k, v ([B, kv_heads, T, head_dim]) after the cached positions; returns views of all positions.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2], end = Length + t;
        if (_keys[layer] is null || end > _keys[layer]!.shape[2]) Reallocate(layer, k, Math.Max(end, _capacity));
        _keys[layer]!.narrow(2, Length, t).copy_(k);
        _values[layer]!.narrow(2, Length, t).copy_(v);
        return (_keys[layer]!.narrow(2, 0, end), _values[layer]!.narrow(2, 0, end));
    }

    void Reallocate(int layer, Tensor like, long needed)
    {
        long capacity = Math.Max(needed, _capacity);
        if (_keys[layer] is not null) capacity = Math.Max(capacity, _keys[layer]!.shape[2] * 2);
        long[] shape = [like.shape[0], like.shape[1], capacity, like.shape[3]];
        var keys = zeros(shape, like.dtype, like.device);
        var values = zeros(shape, like.dtype, like.device);
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
