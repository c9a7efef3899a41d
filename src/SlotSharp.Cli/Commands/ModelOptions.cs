using System.CommandLine;
using SlotSharp.Backends;
using SlotSharp.Runtime;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// The options every model-running command shares: --model, --revision, --dtype, --device, --threads, and the
/// backend choice (--backend, --gguf-file, --context, --omp-wait).
/// </summary>
internal sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Model folder, a .gguf file (llama.cpp), or a Hugging Face repo id (downloaded once into the shared HF cache)", Required = true };
    public Option<string?> Backend { get; } = new("--backend") { Description = "torch or llamacpp (default: llamacpp for .gguf files, torch for safetensors)" };
    public Option<string?> GgufFile { get; } = new("--gguf-file") { Description = "Which .gguf file of the --model folder or Hub repo to run; only that file is downloaded (default: the only one, else Q8_0, else Q4_K_M)" };
    public Option<int> Context { get; } = new("--context") { Description = "llama.cpp: KV cells shared by all sequences", DefaultValueFactory = _ => new LlamaCppOptions().ContextSize };
    public Option<string?> Revision { get; } = new("--revision") { Description = "Hub revision (branch, tag or commit) when --model is a repo id" };
    public Option<string?> DType { get; } = new("--dtype") { Description = "Compute dtype: fp32, bf16, fp16 (default: fp32 on CPU, bf16 when fp32 weights would not fit in memory; bf16 on CUDA)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<string?> OmpWait { get; } = new("--omp-wait") { Description = "llama.cpp: how its OpenMP threads wait between ops: passive (sleep), active (spin) or spin-then-sleep (libgomp's default, fastest on idle cores); wins over OMP_WAIT_POLICY/GOMP_SPINCOUNT (default: those when set, else passive). Fixed per process once libgomp has loaded" };
    public Option<int> Threads { get; } = new("--threads") { Description = $"Threads: libtorch's intra-op threads, llama.cpp's threads and SLOT's host math (0 = the backend's default; at most {ModelLoadOptions.MaxThreads}: 4 per logical processor, and 1024)" };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Model); cmd.Options.Add(Revision); cmd.Options.Add(DType); cmd.Options.Add(Device); cmd.Options.Add(Threads);
        cmd.Options.Add(Backend); cmd.Options.Add(GgufFile); cmd.Options.Add(Context); cmd.Options.Add(OmpWait);
    }

    /// <summary>Checks --dtype, --device and --threads before anything slow (model download or load) happens.</summary>
    public void Validate(ParseResult parse)
    {
        // Names a bad --device or --dtype. Only when one is given: parsing them loads libtorch, which a GGUF run never needs.
        if (parse.GetValue(Device) is not "cpu" || parse.GetValue(DType) is not null) CheckTorchOptions(parse.GetValue(Device), parse.GetValue(DType));
        CheckThreads(parse);
        RequestedBackend(parse);
        if (parse.GetValue(Context) < 16) throw new UserInputException($"--context must be >= 16, got {parse.GetValue(Context)}");
        RequestedOmpWait(parse);
    }

    OpenMpWait? RequestedOmpWait(ParseResult parse) => ParseOmpWait(parse.GetValue(OmpWait));
    public static OpenMpWait? ParseOmpWait(string? value) =>
        value is { } v ? CliErrors.NamingFlag("--omp-wait", () => OpenMpWaits.Parse(v)) : null;

    /// <summary>
    /// Its own method, never inlined: the JIT loads SlotSharp.TorchSharp (whose module initializer loads libtorch) for
    /// any method that names one of its types, whether or not that line runs.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void CheckTorchOptions(string? device, string? dtype) => ComputeOptions.Parse(device, dtype);

    BackendKind? RequestedBackend(ParseResult parse) =>
        parse.GetValue(Backend) is { } b ? CliErrors.NamingFlag("--backend", () => ModelLocator.ParseBackend(b)) : null;

    int CheckThreads(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        return threads >= 0 && threads <= ModelLoadOptions.MaxThreads ? threads
            : throw new UserInputException($"--threads must lie in [0, {ModelLoadOptions.MaxThreads}] (4 per logical processor, and 1024), got {threads}");
    }

    /// <summary>
    /// What the one loader needs (<see cref="ModelLoader"/>): the flags above, Hub downloads shown as progress bars on
    /// stderr. <paramref name="maxSequences"/>: llama.cpp sequences that may be live at once (the batch).
    /// </summary>
    public ModelLoadOptions LoadOptions(ParseResult parse, int maxSequences = 1) => new()
    {
        Revision = parse.GetValue(Revision),
        Backend = RequestedBackend(parse),
        GgufFile = parse.GetValue(GgufFile),
        Device = parse.GetValue(Device) ?? "cpu",
        DType = parse.GetValue(DType),
        Threads = CheckThreads(parse),
        LlamaCpp = new LlamaCppOptions { ContextSize = parse.GetValue(Context), MaxSequences = maxSequences, OpenMpWait = RequestedOmpWait(parse) },
    };

    /// <summary>Loads --model through the one loader; a Hub repo id downloads with progress bars on stderr.</summary>
    public SlotModel LoadModel(ParseResult parse, int maxSequences = 1)
    {
        string model = parse.GetValue(Model)!;
        return Load(model, LoadOptions(parse, maxSequences), options => SlotModel.Load(model, options));
    }

    /// <summary>
    /// Runs <paramref name="load"/> for --model <paramref name="model"/>: a local path is located first, so its error
    /// names the flag; a Hub repo id downloads with progress bars on stderr.
    /// </summary>
    public static T Load<T>(string model, ModelLoadOptions options, Func<ModelLoadOptions, T> load)
    {
        if (!Directory.Exists(model) && !File.Exists(model))
            return HubProgressBars.Run(p => load(options with { Progress = p }));
        CliErrors.NamingFlag("--model", () => ModelLocator.Locate(model, options.Backend, options.GgufFile));
        return load(options);
    }
}
