using System.CommandLine;
using SlotSharp.Checkpoints;
using SlotSharp.Hub;
using SlotSharp.Pipeline;
using SlotSharp.Runtime;

namespace SlotSharp.Cli.Commands;

/// <summary>The options every model-running command shares: --model, --revision, --dtype, --device, --threads.</summary>
public sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Model folder, or a Hugging Face repo id (downloaded once into the shared HF cache)", Required = true };
    public Option<string?> Revision { get; } = new("--revision") { Description = "Hub revision (branch, tag or commit) when --model is a repo id" };
    public Option<string?> DType { get; } = new("--dtype") { Description = "Compute dtype: fp32, bf16, fp16 (default: fp32 on CPU, bf16 when fp32 weights would not fit in memory; bf16 on CUDA)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int> Threads { get; } = new("--threads") { Description = $"libtorch intra-op threads (0 = libtorch's default; at most {ComputeOptions.MaxThreads}: 4 per logical processor, and 1024)" };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Model); cmd.Options.Add(Revision); cmd.Options.Add(DType); cmd.Options.Add(Device); cmd.Options.Add(Threads);
    }

    /// <summary>Checks --dtype, --device and --threads before anything slow (model download or load) happens.</summary>
    public void Validate(ParseResult parse)
    {
        ComputeOptions.Parse(parse.GetValue(Device), parse.GetValue(DType)); // names a bad --device or --dtype
        CheckThreads(parse);
    }

    int CheckThreads(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        return threads >= 0 && threads <= ComputeOptions.MaxThreads ? threads
            : throw new UserInputException($"--threads must lie in [0, {ComputeOptions.MaxThreads}] (4 per logical processor, and 1024), got {threads}");
    }

    /// <summary>Local folder as given, or the snapshot folder of a Hub repo id (with progress bars on stderr).</summary>
    public string ResolveFolder(ParseResult parse)
    {
        string model = parse.GetValue(Model)!;
        if (Directory.Exists(model)) return model;
        if (File.Exists(model)) throw new UserInputException($"--model '{model}' is a file; give the model folder (with config.json) or a Hub repo id");
        return HubProgressBars.Run(p => HubResolver.ResolveModel(model, parse.GetValue(Revision), p));
    }

    /// <summary>Device and dtype; <paramref name="folder"/> (when known) sizes the weights for the default dtype.</summary>
    public ComputeOptions Compute(ParseResult parse, string? folder = null)
    {
        TorchRuntime.SetThreads(CheckThreads(parse));
        return ComputeOptions.Parse(parse.GetValue(Device), parse.GetValue(DType), folder == null ? 0 : Checkpoint.CountParameters(folder));
    }

    public SlotPipeline LoadPipeline(ParseResult parse)
    {
        var folder = ResolveFolder(parse);
        return SlotPipeline.Load(folder, Compute(parse, folder));
    }
}
