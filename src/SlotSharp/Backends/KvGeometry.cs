namespace SlotSharp.Backends;

/// <summary>What a backend's KV cache is counted in: bytes (caches that grow per sequence) or cells (one fixed pool).</summary>
public enum KvUnit { Bytes, Cells }

/// <summary>
/// How a backend's KV cache is sized, so the engine can budget it without knowing the backend: each cached position
/// costs <paramref name="PerPosition"/> units; <paramref name="Capacity"/> is the backend's own fixed pool (llama.cpp's
/// context cells), or null when caches grow on demand and the engine's budget sets the limit (TorchSharp).
/// </summary>
public sealed record KvGeometry(KvUnit Unit, long PerPosition, long? Capacity)
{
    public string UnitName => Unit == KvUnit.Bytes ? "bytes" : "cells";
}
