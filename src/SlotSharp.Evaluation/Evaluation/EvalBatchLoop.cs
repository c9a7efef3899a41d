namespace SlotSharp.Evaluation;

/// <summary>
/// The batching core every evaluation runner shares: sends the samples that some setting still misses to the engine
/// in batches (all settings of a sweep in the same call) and hands each new completion back for scoring and
/// journaling. A sample already journaled for a setting is never generated again for it.
/// </summary>
internal static class EvalBatchLoop
{
    /// <summary>
    /// Runs <paramref name="samples"/> (1-based sample numbers, in order). <paramref name="onCompletion"/> gets the
    /// state, sample number, completion and its share of the engine call's wall time (see <see cref="ShareWallTime"/>).
    /// Returns false when <paramref name="cancel"/> stopped it between batches.
    /// </summary>
    public static bool Run<TState>(IEvalModel engine, IEnumerable<int> samples, int batchSize,
        IReadOnlyList<TState> states, Func<int, EvalPrompt> prompt, EvalGeneration generation,
        Action<TState, int, EvalCompletion, double> onCompletion, CancellationToken cancel, TimeProvider? clock = null)
        where TState : Tasks.ISettingOutput<object>
    {
        if (batchSize < 1) throw new SlotSharpException($"batch size must be >= 1, got {batchSize}");
        var pending = samples.Where(sample => states.Any(s => !s.IsDone(sample))).ToList();
        foreach (var chunk in pending.Chunk(batchSize))
        {
            if (cancel.IsCancellationRequested) return false;
            // Only settings that still miss one of these samples are run (they differ only after a crash mid-batch).
            var needed = states.Where(s => chunk.Any(sample => !s.IsDone(sample))).ToList();
            var prompts = chunk.Select(prompt).ToList();

            clock ??= TimeProvider.System;
            long started = clock.GetTimestamp();
            var results = engine.Complete(prompts, needed.Select(s => s.Setting).ToList(), generation);
            double wall = clock.GetElapsedTime(started).TotalSeconds;
            CheckShape(results, chunk.Length, needed.Count);
            var elapsed = ShareWallTime(results, wall);

            for (int p = 0; p < chunk.Length; p++)
                for (int k = 0; k < needed.Count; k++)
                    if (!needed[k].IsDone(chunk[p])) onCompletion(needed[k], chunk[p], results[p][k], elapsed[p][k]);
        }
        return true;
    }

    /// <summary>
    /// Each completion's share of one engine call's wall time, in proportion to the engine's own timings of it (a
    /// sweep's settings share one prefill, which the engine splits equally): settings of a sweep that cost different
    /// times report different times, instead of the call's average.
    /// </summary>
    static double[][] ShareWallTime(IReadOnlyList<IReadOnlyList<EvalCompletion>> results, double wall)
    {
        double measured = results.Sum(r => r.Sum(c => c.Timings.TotalSeconds));
        int count = results.Sum(r => r.Count);
        return [.. results.Select(r => r.Select(c => measured > 0 ? wall * c.Timings.TotalSeconds / measured : wall / count).ToArray())];
    }

    static void CheckShape(IReadOnlyList<IReadOnlyList<EvalCompletion>> results, int prompts, int settings)
    {
        if (results.Count != prompts || results.Any(r => r.Count != settings))
            throw new InvalidOperationException(
                $"engine returned {results.Count} prompt results (expected {prompts}), each with {settings} settings");
    }
}
