namespace SlotSharp.Cli.Commands;

/// <summary>Settings of one `slot bench load` run (docs/serving.md, "Load test").</summary>
internal sealed record LoadSettings
{
    /// <summary>Concurrent clients, each sending one request after another.</summary>
    public int Clients { get; init; } = 64;
    /// <summary>No client starts a request after this (requests under way finish), once every kind has been sent.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>max_tokens of every request.</summary>
    public int MaxTokens { get; init; } = 32;
    /// <summary>SLOT settings of the requests with SLOT on.</summary>
    public int SlotTimes { get; init; } = 5;
    public double SlotLr { get; init; } = 0.1;
    /// <summary>The body's "model" (null: left out, which the server accepts).</summary>
    public string? Model { get; init; }
    /// <summary>Sent as "Authorization: Bearer KEY" when set.</summary>
    public string? ApiKey { get; init; }
    /// <summary>A request not answered within this is a failure (a hung server must not hang the run).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often the server process's memory is sampled.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>"Memory flat": the last minute's largest working set at most this fraction above the first minute's.</summary>
    public double MemoryMargin { get; init; } = 0.10;
    /// <summary>The server's process, for its working set; null: this process (an in-process server; the GC heap is sampled too).</summary>
    public int? ServerProcessId { get; init; }
    /// <summary>Runs shorter than this are not judged for memory (warm-up dominates their first minute).</summary>
    /// <remarks>Seen on tiny-qwen2: a 150 s in-process run grew 447 -> 512 MB between its first and last 37 s while a
    /// 5-minute run against a separate server stayed at 491 -> 495 MB (its samples swing 390-490 MB with the SLOT stages).</remarks>
    public static readonly TimeSpan MemoryJudgedFrom = TimeSpan.FromMinutes(5);
}

/// <summary>One memory sample: seconds into the run, the server's working set and (in-process) the managed heap.</summary>
internal sealed record MemorySample(double Seconds, long WorkingSetBytes, long? GcHeapBytes);

/// <summary>What a load run saw, counted as the requests finish (thread-safe while it runs).</summary>
internal sealed class LoadReport
{
    /// <summary>The first problems seen, kept for the report (the rest are only counted).</summary>
    public const int ProblemsKept = 10;

    readonly long[] _sent = new long[LoadRequestKind.Mix.Count], _ok = new long[LoadRequestKind.Mix.Count];
    readonly Dictionary<int, long> _statuses = [];
    readonly List<string> _problems = [];
    readonly List<MemorySample> _memory = [];
    long _malformed, _transportErrors, _outputTokens;

    public IReadOnlyList<long> Sent => _sent;
    /// <summary>Answered 2xx and well-formed (a disconnect: its first event was well-formed), by kind.</summary>
    public IReadOnlyList<long> Ok => _ok;
    public long Malformed => Interlocked.Read(ref _malformed);
    public long TransportErrors => Interlocked.Read(ref _transportErrors);
    public long OutputTokens => Interlocked.Read(ref _outputTokens);
    public double Seconds { get; internal set; }
    public double TokensPerSecond => OutputTokens / Seconds;

    public IReadOnlyDictionary<int, long> Statuses { get { lock (_statuses) return new Dictionary<int, long>(_statuses); } }
    public long CountOf(int statusClass) => Statuses.Where(s => s.Key / 100 == statusClass).Sum(s => s.Value);
    public long ServerErrors => CountOf(5);
    public IReadOnlyList<string> Problems { get { lock (_problems) return [.. _problems]; } }
    public IReadOnlyList<MemorySample> Memory { get { lock (_memory) return [.. _memory]; } }

    /// <summary>Largest working set in the first and in the last minute (or quarter of the run, if shorter).</summary>
    public (long First, long Last) MemoryWindows
    {
        get
        {
            var samples = Memory;
            double window = Math.Min(60, Seconds / 4);
            long Max(Func<MemorySample, bool> inside) => samples.Where(inside).Select(s => s.WorkingSetBytes).DefaultIfEmpty(0).Max();
            return (Max(s => s.Seconds <= window), Max(s => s.Seconds >= Seconds - window));
        }
    }

    /// <summary>Null when the run was too short to judge (<see cref="LoadSettings.MemoryJudgedFrom"/>).</summary>
    public bool? MemoryFlat(LoadSettings settings)
    {
        if (Seconds < LoadSettings.MemoryJudgedFrom.TotalSeconds) return null;
        var (first, last) = MemoryWindows;
        return last <= first * (1 + settings.MemoryMargin);
    }

    /// <summary>Any 5xx, malformed answer or transport error fails the run; so does memory that grew, when judged.</summary>
    public bool Failed(LoadSettings settings) => ServerErrors + Malformed + TransportErrors > 0 || MemoryFlat(settings) == false;

    internal void Sending(int kind) => Interlocked.Increment(ref _sent[kind]);

    internal void Status(int status)
    {
        lock (_statuses) _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
    }

    internal void Answered(int kind, int tokens)
    {
        Interlocked.Increment(ref _ok[kind]);
        Interlocked.Add(ref _outputTokens, tokens);
    }

    internal void MalformedAnswer(string problem)
    {
        Interlocked.Increment(ref _malformed);
        Problem(problem);
    }

    internal void TransportError(string problem)
    {
        Interlocked.Increment(ref _transportErrors);
        Problem(problem);
    }

    internal void Problem(string problem)
    {
        lock (_problems) if (_problems.Count < ProblemsKept) _problems.Add(problem);
    }

    internal void Sample(MemorySample sample)
    {
        lock (_memory) _memory.Add(sample);
    }
}
