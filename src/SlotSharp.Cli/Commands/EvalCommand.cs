using SlotSharp.Backends;
using System.CommandLine;
using System.Globalization;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Cli.Commands;

/// <summary><c>slot eval gsm8k</c>: SLOT's GSM8K evaluation (eval_only_slot.py) with batching, resume and sweeps.</summary>
internal static class EvalCommand
{
    /// <param name="models">Builds the model a run evaluates (default: <see cref="LoadModel"/>); tests inject fakes here.</param>
    public static Command Create(Func<EvalModelRequest, IEvalModel>? models = null)
    {
        models ??= LoadModel;
        var eval = new Command("eval", "Evaluate a model with SLOT on a benchmark");
        eval.Subcommands.Add(CreateGsm8k(models));
        foreach (var task in EvalTaskCommand.TaskNames) eval.Subcommands.Add(EvalTaskCommand.Create(task, models));
        foreach (var task in EvalLoglikCommand.TaskNames) eval.Subcommands.Add(EvalLoglikCommand.Create(task, models));
        eval.Subcommands.Add(EvalMergeCommand.Create());
        return eval;
    }

    static Command CreateGsm8k(Func<EvalModelRequest, IEvalModel> models)
    {
        var modelOptions = new ModelOptions();
        var slotOptions = new SlotCliOptions();
        var data = new Option<string>("--data")
        {
            Description = "GSM8K JSONL file, a folder with <split>.jsonl, or the Hub id openai/gsm8k",
            DefaultValueFactory = _ => Gsm8kDataset.HubId,
        };
        var split = new Option<string>("--split") { Description = "Dataset split", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train");
        var evalSamples = new Option<int?>("--eval-samples")
        { Description = "Evaluate N samples chosen like Python's random.seed(seed); random.sample(rows, N) (default: all)" };
        var seed = new Option<long>("--seed") { Description = "Seed for the subset and for --do-sample", DefaultValueFactory = _ => 42 };
        var times = new Option<string?>("--times") { Description = "SLOT optimisation steps (default: env var 'times', else 5)" };
        var lr = new Option<string?>("--lr") { Description = "SLOT learning rate (default: env var 'lr', else 0.1)" };
        var doSample = new Option<bool>("--do-sample") { Description = "Sample instead of greedy decoding (seeded per sample)" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => 0.9 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Generation limit", DefaultValueFactory = _ => 512 };
        var batchSize = new Option<int>("--batch-size") { Description = "Prompts per engine call", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output")
        { Description = "Folder that receives logs/ (log, results JSONL, summary, sweep plot)", DefaultValueFactory = _ => "." };
        var sweepTimes = new Option<string?>("--sweep-times") { Description = "Comma-separated SLOT steps to sweep, e.g. 0,1,2,3,4,5" };
        var sweepLr = new Option<string?>("--sweep-lr") { Description = "Comma-separated learning rates to sweep, e.g. 0.1,0.01" };
        var longContext = LongContextOption.Create();
        var noPrefixCache = PrefixCacheOption.Create();

        var cmd = new Command("gsm8k", "GSM8K accuracy and format accuracy, reproducing SLOT's eval_only_slot.py");
        modelOptions.AddTo(cmd);
        foreach (var o in new Option[] { data, split, evalSamples, seed, times, lr, doSample, temperature,
                     maxNewTokens, batchSize, output, sweepTimes, sweepLr, longContext, noPrefixCache, slotOptions.Impl, slotOptions.Optimizer, slotOptions.MemoryMb })
            cmd.Options.Add(o);

        cmd.SetAction(pr => CliErrors.Guard(() =>
        {
            var settings = ResolveSettings(pr.GetValue(times), pr.GetValue(lr), pr.GetValue(sweepTimes),
                pr.GetValue(sweepLr), Environment.GetEnvironmentVariable);
            if (pr.GetValue(maxNewTokens) < 1) throw new UserInputException("--max-new-tokens must be >= 1");
            if (pr.GetValue(batchSize) < 1) throw new UserInputException("--batch-size must be >= 1");
            if (pr.GetValue(evalSamples) is < 0) throw new UserInputException("--eval-samples must be >= 0");
            if (pr.GetValue(doSample) && !(pr.GetValue(temperature) > 0))
                throw new UserInputException("--temperature must be > 0 with --do-sample");
            modelOptions.Validate(pr);
            var splitName = pr.GetValue(split)!;
            var dataArg = pr.GetValue(data)!;
            var options = new Gsm8kRunOptions
            {
                ModelPath = pr.GetValue(modelOptions.Model)!,
                DataLabel = dataArg,
                Rows = Gsm8kDataset.Load(dataArg, splitName),
                Split = splitName,
                EvalSamples = pr.GetValue(evalSamples),
                Seed = pr.GetValue(seed),
                Settings = settings,
                Generation = new EvalGeneration(pr.GetValue(maxNewTokens), pr.GetValue(doSample), pr.GetValue(temperature)),
                BatchSize = pr.GetValue(batchSize),
                OutputDirectory = pr.GetValue(output)!,
            };
            // The model is resolved (and downloaded, for a Hub id) only once the arguments and data are known good.
            using var engine = models(ModelRequest(modelOptions, slotOptions, pr, options.BatchSize, pr.GetValue(longContext), !pr.GetValue(noPrefixCache)));
            return LongContextOption.NamingTheFlag(() => Run(engine, options));
        }));
        return cmd;
    }

    /// <summary>Every model flag of the command (backend, GGUF file, context, dtype, ...) goes to the one loader.</summary>
    internal static EvalModelRequest ModelRequest(ModelOptions model, SlotCliOptions slot, ParseResult pr, int batchSize, bool allowLongContext,
        bool prefixCache) =>
        new(pr.GetValue(model.Model)!, batchSize, model.LoadOptions(pr, maxSequences: batchSize), slot.ResolveKinds(pr), allowLongContext)
        {
            PrefixCache = prefixCache,
        };

    /// <summary>
    /// The real model, loaded once the arguments and data are known good: a local path is checked first (the error
    /// names --model); a Hub repo id downloads with progress bars on stderr.
    /// </summary>
    public static IEvalModel LoadModel(EvalModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ModelOptions.Load(request.Model, request.Load ?? new SlotSharp.ModelLoadOptions(), load => EngineEvalModel.Load(request with { Load = load }));
    }

    /// <summary>
    /// times/lr are resolved once: flag, else environment variable ("times"/"lr", as the original reads them), else
    /// 5 and 0.1 (the defaults SLOT's model code uses). A sweep list replaces the single value; the text is kept
    /// as given because it names the log file.
    /// </summary>
    public static IReadOnlyList<SlotSetting> ResolveSettings(string? times, string? lr, string? sweepTimes,
        string? sweepLr, Func<string, string?> env)
    {
        if (times != null && sweepTimes != null) throw new UserInputException("give --times or --sweep-times, not both");
        if (lr != null && sweepLr != null) throw new UserInputException("give --lr or --sweep-lr, not both");
        var timesList = sweepTimes != null ? SplitList(sweepTimes, "--sweep-times") : [times ?? NonEmpty(env("times")) ?? "5"];
        var lrList = sweepLr != null ? SplitList(sweepLr, "--sweep-lr") : [lr ?? NonEmpty(env("lr")) ?? "0.1"];
        var settings = new List<SlotSetting>();
        foreach (var l in lrList)
            foreach (var t in timesList)
            {
                try { settings.Add(new SlotSetting(t, l)); }
                catch (SlotSharpException e) { throw new UserInputException(e.Message, e); }
            }
        if (settings.Distinct().Count() != settings.Count)
            throw new UserInputException("a value is repeated in --sweep-times or --sweep-lr");
        return settings;
    }

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    static string[] SplitList(string list, string option)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new UserInputException($"{option} is empty");
        return items;
    }

    static int Run(IEvalModel engine, Gsm8kRunOptions options)
    {
        var (run, output) = options.ToTaskRun();
        var result = EvalConsole.Run(options.Settings,
            (progress, cancel) => new EvalRunner(engine, run).Run(output, progress, cancel), Describe);
        PrintSummaries(result);
        EvalConsole.PrintPrefixCache(engine);
        return EvalConsole.ExitCode(result.Completed);
    }

    static string Describe(EvalProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Setting}  acc {p.Accuracy:0.0000}  format {p.FormatAccuracy:0.0000}  {p.TokensPerSecond:0.0} tok/s");

    static void PrintSummaries(EvalRunResult<EvalSummary> result)
    {
        foreach (var s in result.Reports)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"times={s.Times} lr={s.Lr}: answer accuracy {s.Accuracy:0.0000} ± {s.AccuracyStderr:0.0000}, " +
                $"format accuracy {s.FormatAccuracy:0.0000} ± {s.FormatAccuracyStderr:0.0000} " +
                $"({s.Samples} samples, {s.TokensPerSecond:0.0} tok/s) -> {s.LogFile}"));
        }
        if (result.SweepPlotFile != null) Console.WriteLine($"sweep plot: {result.SweepPlotFile}");
    }
}
