namespace SlotSharp.Engine;

/// <summary>The engine's queue is full (<see cref="EngineOptions.MaxQueued"/>): the caller should retry later (HTTP 429/503).</summary>
public sealed class EngineOverloadedException(string message) : SlotSharpException(message);
