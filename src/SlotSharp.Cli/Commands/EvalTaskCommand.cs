using System.CommandLine;
using System.Globalization;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// <c>slot eval aime24|math500|gpqa-diamond</c>: the lighteval 0.8 tasks of SLOT's run_vllm.sh, with SLOT, batching,
/// resume, sweeps and shards.
/// </summary>
internal static class EvalTaskCommand
{
    public static readonly string[] TaskNames = ["aime24", "math500", "gpqa-diamond"];

    public static Command Create(string name, Func<EvalModelRequest, IEvalModel> models)
    {
        var task = LightevalTask.ByName(name);
        var reference = task.DefaultGeneration;
        var modelOptions = new ModelOptions();
        var slotOptions = new SlotCliOptions();
        // run_vllm.sh runs SLOT inside its patched vLLM model runner, whose optimizer settings "vllm" reproduces.
        slotOptions.Optimizer.DefaultValueFactory = _ => "vllm";
        var data = new Option<string>("--data")
        {
            Description = $"Folder with test.jsonl, a .jsonl/.parquet{(name == "gpqa-diamond" ? "/.csv (gpqa_diamond.csv)" : "")} file, or a Hub dataset id",
            DefaultValueFactory = _ => task.DefaultData,
        };
        var times = new Option<string?>("--times") { Description = "SLOT optimisation steps (default: env CHOT_STEPS, else 5)" };
        var lr = new Option<string?>("--lr") { Description = "SLOT learning rate (default: env CHOT_LR, else 0.1)" };
        var sweepTimes = new Option<string?>("--sweep-times") { Description = "Comma-separated SLOT steps to sweep" };
        var sweepLr = new Option<string?>("--sweep-lr") { Description = "Comma-separated learning rates to sweep" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => reference.Temperature };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => reference.TopP };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding instead of sampling" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Generation limit", DefaultValueFactory = _ => reference.MaxNewTokens };
        var maxModelLength = new Option<int>("--max-model-length")
        { Description = "Prompt + generation cap, as vLLM's max_model_len (0 = none)", DefaultValueFactory = _ => reference.MaxModelLength ?? 0 };
        var seed = new Option<long>("--seed") { Description = "Seed of each problem's sampling", DefaultValueFactory = _ => 1234 };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N problems (lighteval's max_samples)" };
        var shard = new Option<string?>("--shard") { Description = "Evaluate shard i of n ('i/n', 0-based; problems p with p % n == i); combine with 'slot eval merge'" };
        var batchSize = new Option<int>("--batch-size") { Description = "Prompts per engine call", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "Folder for the journal, results JSON, details JSONL and log", DefaultValueFactory = _ => "." };
        var longContext = LongContextOption.Create();
        var noPrefixCache = PrefixCacheOption.Create();

        var cmd = new Command(name, $"lighteval {task.Name} (extractive_match), as SLOT's run_vllm.sh runs it");
        modelOptions.AddTo(cmd);
        foreach (var o in new Option[] { data, times, lr, sweepTimes, sweepLr, temperature, topP, greedy, maxNewTokens,
                     maxModelLength, seed, limit, shard, batchSize, output, longContext, noPrefixCache, slotOptions.Impl, slotOptions.Optimizer, slotOptions.MemoryMb })
            cmd.Options.Add(o);

        cmd.SetAction(pr => CliErrors.Guard(() =>
        {
            var settings = EvalCommand.ResolveSettings(pr.GetValue(times), pr.GetValue(lr), pr.GetValue(sweepTimes),
                pr.GetValue(sweepLr), v => Environment.GetEnvironmentVariable(v == "times" ? "CHOT_STEPS" : "CHOT_LR"));
            if (pr.GetValue(maxNewTokens) < 1) throw new UserInputException("--max-new-tokens must be >= 1");
            if (pr.GetValue(maxModelLength) < 0) throw new UserInputException("--max-model-length must be >= 0");
            if (pr.GetValue(batchSize) < 1) throw new UserInputException("--batch-size must be >= 1");
            if (pr.GetValue(limit) is < 1) throw new UserInputException("--limit must be >= 1");
            bool sample = !pr.GetValue(greedy);
            if (sample && !(pr.GetValue(temperature) > 0)) throw new UserInputException("--temperature must be > 0 (or pass --greedy)");
            if (!(pr.GetValue(topP) is > 0 and <= 1)) throw new UserInputException("--top-p must be in (0, 1]");
            modelOptions.Validate(pr);
            var dataArg = pr.GetValue(data)!;
            var options = new TaskRunOptions
            {
                Task = task,
                Documents = task.Load(dataArg),
                ModelPath = pr.GetValue(modelOptions.Model)!,
                DataLabel = dataArg,
                Settings = settings,
                Generation = new EvalGeneration(pr.GetValue(maxNewTokens), sample, pr.GetValue(temperature), pr.GetValue(topP),
                    pr.GetValue(maxModelLength) is > 0 and var cap ? cap : null),
                Limit = pr.GetValue(limit),
                Seed = pr.GetValue(seed),
                Shard = pr.GetValue(shard) is { } s ? ShardSpec.Parse(s) : ShardSpec.Whole,
                BatchSize = pr.GetValue(batchSize),
                OutputDirectory = pr.GetValue(output)!,
            };
            using var engine = models(EvalCommand.ModelRequest(modelOptions, slotOptions, pr, options.BatchSize, pr.GetValue(longContext), !pr.GetValue(noPrefixCache)));
            var result = LongContextOption.NamingTheFlag(() => EvalConsole.Run(settings,
                (progress, cancel) => new EvalRunner(engine, options).Run(new LightevalOutput(), progress, cancel), EvalConsole.Accuracy));
            foreach (var r in result.Reports) Print(r);
            if (result.SweepPlotFile != null) Console.WriteLine($"sweep plot: {result.SweepPlotFile}");
            EvalConsole.PrintPrefixCache(engine);
            if (result.Completed && !options.Shard.IsWhole)
                Console.WriteLine($"shard {options.Shard} done: {string.Join(", ", result.Journals)}; combine the shards with 'slot eval merge'");
            return EvalConsole.ExitCode(result.Completed);
        }));
        return cmd;
    }

    /// <summary>The summary table, as lighteval prints it, and where the files went.</summary>
    public static void Print(TaskSettingResult r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"times={r.Setting.TimesText} lr={r.Setting.LrText} ({r.Metrics.Samples} samples):"));
        Console.Write(r.Table);
        Console.WriteLine($"results: {r.ResultsFile}\ndetails: {r.DetailsFile}\nlog: {r.LogFile}");
    }
}
