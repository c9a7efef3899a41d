namespace SlotSharp.Fuzz.Harness;

/// <summary>Per-input limits: a deadline and an allocation budget.</summary>
public sealed record FuzzLimits(TimeSpan Timeout, long MaxAllocatedBytes)
{
    public static FuzzLimits Default { get; } = new(TimeSpan.FromSeconds(2), 256L * 1024 * 1024);
}

/// <summary>
/// Runs targets on a dedicated worker thread so that a hang can be detected (the deadline passes) without
/// killing the process: .NET cannot abort a thread, so a hung worker is abandoned and a fresh one takes over.
/// Allocation is measured on the worker with GC.GetAllocatedBytesForCurrentThread, which counts every byte the
/// target allocated whatever the GC did meanwhile.
/// </summary>
public sealed class GuardedExecutor : IDisposable
{
    readonly FuzzLimits _limits;
    readonly string _scratchRoot;
    Worker _worker;
    int _workers;

    public GuardedExecutor(FuzzLimits limits, string scratchRoot)
    {
        _limits = limits;
        _scratchRoot = scratchRoot;
        _worker = NewWorker();
    }

    /// <summary>
    /// Runs <paramref name="target"/> (given a scratch folder of its own) and classifies the result.
    /// <paramref name="onLateFinish"/> is told how long a hung target took, if it ever finishes.
    /// <paramref name="timeout"/> overrides the limit's deadline (warm-up runs).
    /// </summary>
    public Outcome Run(Action<string> target, Func<Exception, bool> documented, Action<TimeSpan>? onLateFinish = null,
        TimeSpan? timeout = null)
    {
        var job = new Job(target);
        _worker.Submit(job);
        if (!job.Done.Wait(timeout ?? _limits.Timeout))
        {
            job.OnLateFinish = onLateFinish;
            _worker.Retire(); // the hung thread keeps running until its target returns, if ever
            _worker = NewWorker();
            return new Outcome(OutcomeKind.Hang, null, _limits.Timeout, 0);
        }
        if (job.AllocatedBytes > _limits.MaxAllocatedBytes)
            return new Outcome(OutcomeKind.OverMemory, job.Error, job.Elapsed, job.AllocatedBytes);
        var kind = job.Error is null ? OutcomeKind.Ok : OutcomeClassifier.Classify(job.Error, documented);
        return new Outcome(kind, job.Error, job.Elapsed, job.AllocatedBytes);
    }

    Worker NewWorker()
    {
        var scratch = Path.Combine(_scratchRoot, $"worker{_workers++}");
        Directory.CreateDirectory(scratch);
        return new Worker(scratch);
    }

    public void Dispose() => _worker.Retire();

    sealed class Job(Action<string> target)
    {
        public Action<string> Target { get; } = target;
        public ManualResetEventSlim Done { get; } = new();
        public Exception? Error { get; set; }
        public TimeSpan Elapsed { get; set; }
        public long AllocatedBytes { get; set; }
        public volatile Action<TimeSpan>? OnLateFinish;
    }

    sealed class Worker
    {
        readonly System.Collections.Concurrent.BlockingCollection<Job> _jobs = new();
        readonly string _scratch;

        public Worker(string scratch)
        {
            _scratch = scratch;
            // Default stack size, as thread-pool threads (where `slot serve` parses request bodies) have.
            new Thread(Loop) { IsBackground = true, Name = "fuzz-target" }.Start();
        }

        public void Submit(Job job) => _jobs.Add(job);

        /// <summary>Takes no more jobs; the thread ends once its current job (if any) returns.</summary>
        public void Retire() => _jobs.CompleteAdding();

        void Loop()
        {
            foreach (var job in _jobs.GetConsumingEnumerable())
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                try { job.Target(_scratch); }
                catch (Exception e) { job.Error = e; }
                job.Elapsed = clock.Elapsed;
                job.AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
                job.Done.Set();
                job.OnLateFinish?.Invoke(job.Elapsed);
            }
        }
    }
}
