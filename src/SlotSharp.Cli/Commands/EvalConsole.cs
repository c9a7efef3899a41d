using System.Globalization;
using SlotSharp.Evaluation;
using Spectre.Console;

namespace SlotSharp.Cli.Commands;

/// <summary>Console plumbing shared by the eval commands: Ctrl+C handling and progress display.</summary>
static class EvalConsole
{
    /// <summary>
    /// Runs <paramref name="run"/> with a progress bar per setting (interactive console) or a line every 10 samples.
    /// The first Ctrl+C cancels the token so the run stops after the batch in flight (it is journaled); a second one
    /// kills the process.
    /// </summary>
    public static T Run<T>(IReadOnlyList<SlotSetting> settings, Func<Action<EvalProgress>, CancellationToken, T> run,
        Func<EvalProgress, string> describe)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
            Console.Error.WriteLine("stopping after the batch in flight; rerun the same command to resume");
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            if (!AnsiConsole.Profile.Capabilities.Interactive)
                return run(p =>
                {
                    if (p.Done % 10 == 0 || p.Done == p.Total) Console.Error.WriteLine($"{describe(p)} [{p.Done}/{p.Total}]");
                }, cancel.Token);
            return AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                    new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = settings.ToDictionary(s => s, s => ctx.AddTask(Markup.Escape(s.ToString())));
                    return run(p =>
                    {
                        var task = tasks[p.Setting];
                        task.MaxValue = p.Total;
                        task.Value = p.Done;
                        task.Description = Markup.Escape(describe(p));
                    }, cancel.Token);
                });
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>Exit code of a run: 0 when finished, 130 (after a hint) when stopped early.</summary>
    public static int ExitCode(bool completed)
    {
        if (completed) return 0;
        Console.Error.WriteLine("stopped before the end; rerun the same command to resume");
        return 130;
    }

    /// <summary>One line on how much of the prompts the engine's prefix cache spared (a shared system prompt or few-shot preamble).</summary>
    public static void PrintPrefixCache(IEvalModel model)
    {
        if (model is not EngineEvalModel engine) return;
        var m = engine.EngineMetrics;
        if (m.Finished == 0) return;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prefix cache: {m.PrefixCacheHits} of {m.Finished} requests reused a cached prefix, {m.PrefixCacheReusedTokens} of {m.PromptTokens} prompt tokens ({100.0 * m.PrefixCacheReusedTokens / Math.Max(1, m.PromptTokens):0.0}%)"));
    }

        public static string Accuracy(EvalProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Setting}  acc {p.Accuracy:0.0000}  {p.TokensPerSecond:0.0} tok/s");
}
