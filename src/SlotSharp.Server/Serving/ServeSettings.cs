using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>
/// Server-wide settings of `slot serve` (docs/serving.md lists each with its flag and default). The limits bound what
/// one request may ask for, so that a single client cannot hold the model for hours or exhaust memory.
/// </summary>
public sealed record ServeSettings
{
    /// <summary>SLOT settings for requests without a "slot" field (--times / --lr, or the environment).</summary>
    public SlotOptions SlotDefaults { get; init; } = new() { Times = 0 };
    /// <summary>The default of /v1/generate's allow_long_context; the OpenAI routes never pass the context.</summary>
    public bool AllowLongContext { get; init; }
    /// <summary>The name /v1/models lists and requests' "model" must match; null: the model's id.</summary>
    public string? ServedModelName { get; init; }
    /// <summary>Required as "Authorization: Bearer KEY" on /v1/* when set.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Requests waiting for admission (beyond those running); one more is answered 429.</summary>
    public int MaxQueue { get; init; } = DefaultMaxQueue;
    /// <summary>Largest request body; a larger one is answered 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyMb << 20;
    /// <summary>Largest max_tokens a request may ask for.</summary>
    public int MaxTokensLimit { get; init; } = DefaultMaxTokensLimit;
    /// <summary>Browser origins (scheme://host[:port]) allowed to call; any other Origin header is answered 403.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
    /// <summary>Sequences decoded together by the batching engine (docs/engine.md); 1 runs requests one at a time.</summary>
    public int MaxBatch { get; init; } = DefaultMaxBatch;
    /// <summary>KV-cache memory all running sequences may reserve (TorchSharp backend); 0 = the engine's default (2 GiB).</summary>
    public int KvBudgetMb { get; init; }
    /// <summary>
    /// Where the access log goes: one line per request (method, path, status, tokens, duration; never a body, a query
    /// or a key). Null: no access log. `slot serve` writes it to stderr unless --quiet.
    /// </summary>
    public TextWriter? AccessLog { get; init; }

    /// <summary>Reuse cached prompt prefixes (the engine's <see cref="Engine.EngineOptions.PrefixCache"/>).</summary>
    public bool PrefixCache { get; init; } = true;
    /// <summary>
    /// On SIGTERM or Ctrl+C the server stops accepting at once and lets running requests finish for this long; then
    /// their connections are closed, which cancels them in the engine (issue 19, defect 2: the process must end
    /// within a deadline, exit code 0). ASP.NET Core's HostOptions.ShutdownTimeout.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = DefaultShutdownTimeout;
    public const int DefaultMaxBatch = 8;
    /// <summary>10 s: long enough for a short answer to finish, short enough for a service manager's stop (systemd waits 90 s, Kubernetes 30 s).</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);

    public const int DefaultMaxQueue = 64;
    public const long DefaultMaxBodyMb = 50;
    public const int DefaultMaxTokensLimit = 8192;

    /// <summary>
    /// Throws a message naming the setting at fault; <paramref name="name"/> spells it for the caller (default: the
    /// property's name; `slot serve` names its flag).
    /// </summary>
    public void Validate(Func<string, string>? name = null)
    {
        name ??= property => property;
        if (MaxQueue < 0) throw new SlotSharpException($"{name(nameof(MaxQueue))} must be >= 0, got {MaxQueue}");
        if (MaxBodyBytes <= 0) throw new SlotSharpException($"{name(nameof(MaxBodyBytes))} must be > 0, got {MaxBodyBytes}");
        if (MaxTokensLimit <= 0) throw new SlotSharpException($"{name(nameof(MaxTokensLimit))} must be > 0, got {MaxTokensLimit}");
        if (MaxBatch <= 0) throw new SlotSharpException($"{name(nameof(MaxBatch))} must be > 0, got {MaxBatch}");
        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromHours(1))
            throw new SlotSharpException($"{name(nameof(ShutdownTimeout))} must lie in [0 s, 3600 s], got {ShutdownTimeout.TotalSeconds} s");
        if (KvBudgetMb < 0) throw new SlotSharpException($"{name(nameof(KvBudgetMb))} must be >= 0, got {KvBudgetMb}");
        if (ApiKey is "") throw new SlotSharpException($"{name(nameof(ApiKey))} is empty");
        if (ServedModelName is "") throw new SlotSharpException($"{name(nameof(ServedModelName))} is empty");
    }
}
