using System.CommandLine;
using SlotSharp.Backends;
using SlotSharp.Checkpoints;
using SlotSharp.Hub;
using SlotSharp.Pipeline;
using SlotSharp.Runtime;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// The options every model-running command shares: --model, --revision, --dtype, --device, --threads, and the
/// backend choice (--backend, --gguf-file, --context).
/// </summary>
public sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Model folder, a .gguf file (llama.cpp), or a Hugging Face repo id (downloaded once into the shared HF cache)", Required = true };
    public Option<string?> Backend { get; } = new("--backend") { Description = "torch or llamacpp (default: llamacpp for .gguf files, torch for safetensors)" };
    public Option<string?> GgufFile { get; } = new("--gguf-file") { Description = "Which .gguf file of the --model folder or Hub repo to run; only that file is downloaded (default: the only one, else Q8_0, else Q4_K_M)" };
    public Option<int> Context { get; } = new("--context") { Description = "llama.cpp: KV cells shared by all sequences", DefaultValueFactory = _ => new LlamaCppOptions().ContextSize };
    public Option<string?> Revision { get; } = new("--revision") { Description = "Hub revision (branch, tag or commit) when --model is a repo id" };
    public Option<string?> DType { get; } = new("--dtype") { Description = "Compute dtype: fp32, bf16, fp16 (default: fp32 on CPU, bf16 when fp32 weights would not fit in memory; bf16 on CUDA)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int> Threads { get; } = new("--threads") { Description = $"libtorch intra-op threads (0 = libtorch's default; at most {ComputeOptions.MaxThreads}: 4 per logical processor, and 1024)" };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Model); cmd.Options.Add(Revision); cmd.Options.Add(DType); cmd.Options.Add(Device); cmd.Options.Add(Threads);
        cmd.Options.Add(Backend); cmd.Options.Add(GgufFile); cmd.Options.Add(Context);
    }

    /// <summary>Checks --dtype, --device and --threads before anything slow (model download or load) happens.</summary>
    public void Validate(ParseResult parse)
    {
        ComputeOptions.Parse(parse.GetValue(Device), parse.GetValue(DType)); // names a bad --device or --dtype
        CheckThreads(parse);
        RequestedBackend(parse);
        if (parse.GetValue(Context) < 16) throw new UserInputException($"--context must be >= 16, got {parse.GetValue(Context)}");
    }

    BackendKind? RequestedBackend(ParseResult parse) =>
        parse.GetValue(Backend) is { } b ? CliErrors.NamingFlag("--backend", () => ModelLocator.ParseBackend(b)) : null;

    int CheckThreads(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        return threads >= 0 && threads <= ComputeOptions.MaxThreads ? threads
            : throw new UserInputException($"--threads must lie in [0, {ComputeOptions.MaxThreads}] (4 per logical processor, and 1024), got {threads}");
    }

    /// <summary>
    /// Local folder or .gguf file as given, or for a Hub repo id its snapshot folder, or the GGUF file chosen in it
    /// when the model runs on llama.cpp (with progress bars on stderr).
    /// </summary>
    public string ResolveFolder(ParseResult parse)
    {
        string model = parse.GetValue(Model)!;
        if (Directory.Exists(model)) return model;
        if (File.Exists(model))
            return model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? model
                : throw new UserInputException($"--model '{model}' is a file but not a .gguf file; give the model folder (with config.json), a .gguf file or a Hub repo id");
        var weights = new WeightsChoice(RequestedBackend(parse), parse.GetValue(GgufFile));
        return HubProgressBars.Run(p => HubResolver.ResolveModel(model, parse.GetValue(Revision), p, weights: weights));
    }

    /// <summary>Device and dtype; <paramref name="folder"/> (when known) sizes the weights for the default dtype.</summary>
    public ComputeOptions Compute(ParseResult parse, string? folder = null)
    {
        TorchRuntime.SetThreads(CheckThreads(parse));
        return ComputeOptions.Parse(parse.GetValue(Device), parse.GetValue(DType), folder == null ? 0 : Checkpoint.CountParameters(folder));
    }

    /// <param name="maxSequences">llama.cpp: sequences that may be live at once (the server's batch).</param>
    public SlotPipeline LoadPipeline(ParseResult parse, int maxSequences = 1)
    {
        var path = ResolveFolder(parse);
        var backend = RequestedBackend(parse);
        var location = CliErrors.NamingFlag("--model", () => ModelLocator.Locate(path, backend, parse.GetValue(GgufFile)));
        return SlotPipeline.Load(path, new PipelineOptions
        {
            Compute = location.Backend == BackendKind.Torch ? Compute(parse, location.Folder) : null,
            Backend = backend,
            GgufFile = parse.GetValue(GgufFile),
            LlamaCpp = new LlamaCppOptions { ContextSize = parse.GetValue(Context), Threads = CheckThreads(parse), MaxSequences = maxSequences },
        });
    }
}
