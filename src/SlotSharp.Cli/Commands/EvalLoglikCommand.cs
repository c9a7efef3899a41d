using System.CommandLine;
using System.Globalization;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Loglik;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// <c>slot eval arc-challenge|hellaswag|mmlu|piqa|winogrande</c>: lm-evaluation-harness's multiple-choice tasks scored
/// by log-likelihood, with SLOT fitted on each request's context, sweeps, resume and shards.
/// </summary>
internal static class EvalLoglikCommand
{
    public static readonly string[] TaskNames = ["arc-challenge", "hellaswag", "mmlu", "piqa", "winogrande"];

    public static Command Create(string name, Func<EvalModelRequest, IEvalModel> models)
    {
        var task = LoglikTask.ByName(name);
        var modelOptions = new ModelOptions();
        var slotOptions = new SlotCliOptions();
        var data = new Option<string>("--data")
        {
            Description = "Folder with test.jsonl, a .jsonl/.parquet file, a folder laid out like the Hub dataset, or a Hub dataset id",
            DefaultValueFactory = _ => task.DefaultData,
        };
        var times = new Option<string?>("--times") { Description = "SLOT optimisation steps on each context (default: env times, else 5; 0 = no SLOT)" };
        var lr = new Option<string?>("--lr") { Description = "SLOT learning rate (default: env lr, else 0.1)" };
        var sweepTimes = new Option<string?>("--sweep-times") { Description = "Comma-separated SLOT steps to sweep" };
        var sweepLr = new Option<string?>("--sweep-lr") { Description = "Comma-separated learning rates to sweep" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N documents (lm-evaluation-harness's --limit; per subject for mmlu)" };
        var shard = new Option<string?>("--shard") { Description = "Evaluate shard i of n ('i/n', 0-based; documents p with p % n == i); combine with 'slot eval merge'" };
        var batchSize = new Option<int>("--batch-size") { Description = "Documents per engine call (all their choices are submitted together)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "Folder for the journal, results JSON, details JSONL and log", DefaultValueFactory = _ => "." };
        var select = SlotSelectOption.Create();
        var longContext = LongContextOption.Create();
        var noPrefixCache = PrefixCacheOption.Create();

        var cmd = new Command(name, $"lm-evaluation-harness {task.Name} ({string.Join(", ", task.Metrics)}), SLOT fitted on each context");
        modelOptions.AddTo(cmd);
        foreach (var o in new Option[] { data, times, lr, sweepTimes, sweepLr, limit, shard, batchSize, output, select, longContext, noPrefixCache,
                     slotOptions.Impl, slotOptions.Optimizer, slotOptions.MemoryMb })
            cmd.Options.Add(o);

        cmd.SetAction(pr => CliErrors.Guard(() =>
        {
            var settings = EvalCommand.ResolveSettings(pr.GetValue(times), pr.GetValue(lr), pr.GetValue(sweepTimes),
                pr.GetValue(sweepLr), Environment.GetEnvironmentVariable);
            if (pr.GetValue(batchSize) < 1) throw new UserInputException("--batch-size must be >= 1");
            if (pr.GetValue(limit) is < 1) throw new UserInputException("--limit must be >= 1");
            var heldOut = SlotSelectOption.Parse(pr.GetValue(select));
            if (heldOut != null && settings.Count < 2)
                throw new UserInputException("--slot-select needs at least two candidate settings (--sweep-times and/or --sweep-lr)");
            modelOptions.Validate(pr);
            var dataArg = pr.GetValue(data)!;
            var documents = task.Load(dataArg);
            var options = new LoglikRunOptions
            {
                Task = task,
                Documents = documents,
                ModelPath = pr.GetValue(modelOptions.Model)!,
                DataLabel = dataArg,
                Settings = settings,
                Limit = pr.GetValue(limit),
                Shard = pr.GetValue(shard) is { } s ? ShardSpec.Parse(s) : ShardSpec.Whole,
                BatchSize = pr.GetValue(batchSize),
                OutputDirectory = pr.GetValue(output)!,
                SelectHeldOut = heldOut,
            };
            // Every choice of a batch's documents is in flight at once: the engine may batch them all.
            int sequences = options.BatchSize * Math.Max(1, documents.Max(d => d.Requests.Count));
            // One engine request per choice and setting, all in flight at once; the engine queues at most
            // EngineOptions.MaxQueued beyond those it runs.
            long inFlight = (long)sequences * settings.Count;
            if (inFlight > new SlotSharp.Engine.EngineOptions().MaxQueued)
                throw new UserInputException($"--batch-size {options.BatchSize} puts up to {inFlight} requests in flight at once ({settings.Count} settings); lower it");
            using var engine = models(EvalCommand.ModelRequest(modelOptions, slotOptions, pr, sequences, pr.GetValue(longContext), !pr.GetValue(noPrefixCache)));
            if (engine is not ILoglikModel scorer) throw new UserInputException($"this model cannot score log-likelihoods for {name}");
            var result = LongContextOption.NamingTheFlag(() => EvalConsole.Run(options.SelectHeldOut != null ? [SlotSelectOption.Label(settings)] : settings,
                (progress, cancel) => new LoglikRunner(scorer, options).Run(progress, cancel), EvalConsole.Accuracy));
            foreach (var r in result.Reports) Print(r);
            foreach (var plot in result.SweepPlotFiles) Console.WriteLine($"sweep plot: {plot}");
            if (result.Completed && !options.Shard.IsWhole)
                Console.WriteLine($"shard {options.Shard} done: {string.Join(", ", result.Journals)}; combine the shards with 'slot eval merge'");
            return EvalConsole.ExitCode(result.Completed);
        }));
        return cmd;
    }

    /// <summary>The summary table, as lighteval prints it, and where the files went.</summary>
    public static void Print(LoglikSettingResult r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(r.Select is { } m ? $"select {m} among " : "")}times={r.Times} lr={r.Lr} ({r.Acc.Samples} documents):"));
        Console.Write(r.Table);
        Console.WriteLine($"results: {r.ResultsFile}\ndetails: {r.DetailsFile}\nlog: {r.LogFile}");
        foreach (var plot in r.Plots) Console.WriteLine($"selection plot: {plot}");
    }
}
