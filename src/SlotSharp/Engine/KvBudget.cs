using SlotSharp.Backends;

namespace SlotSharp.Engine;

/// <summary>
/// Admission control: every admitted request reserves its worst-case KV footprint (prompt + max_new_tokens - 1
/// positions: the last token is never fed back) until it finishes, so the reservations never exceed what the backend can
/// hold. TorchSharp caches grow per sequence, so the unit there is bytes (layers x kv_heads x head_dim x 2 x element
/// size per position); llama.cpp has one pre-allocated cache of cells shared by all sequences, so the unit is cells.
/// Not thread-safe: the engine thread owns it.
/// </summary>
internal sealed class KvBudget
{
    readonly long _perPosition;

    public string Unit { get; }
    public long Capacity { get; }
    public long Reserved { get; private set; }

    /// <summary>One pool of cells every sequence draws from (llama.cpp), where forks share their prompt's cells.</summary>
    readonly bool _sharedPool;

    KvBudget(string unit, long perPosition, long capacity, bool sharedPool)
    {
        Unit = unit; _perPosition = perPosition; Capacity = capacity; _sharedPool = sharedPool;
    }

    /// <summary>The backend's fixed pool where it has one, else the engine's byte budget.</summary>
    public static KvBudget For(IModelBackend backend, EngineOptions options) => For(backend.Kv, options);

    public static KvBudget For(KvGeometry kv, EngineOptions options) =>
        new(kv.UnitName, kv.PerPosition, kv.Capacity ?? options.KvBudgetBytes, sharedPool: kv.Capacity != null);

    /// <summary>What a request reserves while it is admitted.</summary>
    public long Cost(int promptLength, int maxNewTokens) => Positions(promptLength, maxNewTokens) * _perPosition;

    /// <summary>
    /// What a request with <paramref name="choices"/> forks of its prompt reserves: in a shared pool of cells (llama.cpp)
    /// the forks share the prompt's cells, so each choice adds only its new tokens; per-sequence caches (TorchSharp)
    /// copy the prompt into every fork.
    /// </summary>
    public long Cost(int promptLength, int maxNewTokens, int choices) => choices <= 1
        ? Cost(promptLength, maxNewTokens)
        : _sharedPool
            ? (promptLength + choices * Math.Max(0L, maxNewTokens - 1L)) * _perPosition
            : choices * Cost(promptLength, maxNewTokens);

    /// <summary>The most positions a request's cache holds: the last generated token is never fed back.</summary>
    public static long Positions(int promptLength, int maxNewTokens) => promptLength + Math.Max(0L, maxNewTokens - 1L);

    public bool Fits(long cost) => Reserved + cost <= Capacity;

    public void Reserve(long cost) => Reserved += cost;

    public void Release(long cost) => Reserved -= cost;
}
