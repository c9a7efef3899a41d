using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using SlotSharp.Backends;
using SlotSharp.Server;
using SlotSharp.Gguf;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// The model and in-process server of `slot bench serve` and `slot bench load`: by default the random
/// Qwen2.5-0.5B-shaped checkpoint of `slot bench gguf` (TorchSharp float32, or its GGUF file of --type on llama.cpp),
/// else --model; served by <see cref="SlotServer"/> (the code path of `slot serve`) on 127.0.0.1 at a free port.
/// </summary>
internal sealed class BenchServeModel
{
    readonly Option<string?> _model = new("--model") { Description = "Model folder or .gguf file (default: the random Qwen2.5-0.5B-shaped checkpoint)" };
    readonly Option<string?> _tokenizer = new("--tokenizer") { Description = "Folder with Qwen2.5's tokenizer.json for the random checkpoint (default: ../shared/tokenizers/qwen2.5)" };
    readonly Option<string?> _work = new("--work") { Description = "Folder for the random checkpoint and its GGUF files (kept; reused when present). Default: a temp folder, deleted" };
    readonly Option<string?> _backend = new("--backend") { Description = "torch or llamacpp (default: torch for the random checkpoint, else what --model's files imply)" };
    readonly Option<string> _type = new("--type") { Description = "GGUF type of the random checkpoint on llama.cpp (f32, bf16, q8_0, q4_k_m, ...)", DefaultValueFactory = _ => "f32" };
    readonly Option<int> _threads = new("--threads") { Description = "libtorch or llama.cpp threads (0 = default)" };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _model, _tokenizer, _work, _backend, _type, _threads }) cmd.Options.Add(o);
    }

    /// <summary>A model for the server, with room for <paramref name="maxSequences"/> sequences of <paramref name="tokensPerSequence"/>.</summary>
    public LoadedBenchModel Load(ParseResult parse, int maxSequences, int tokensPerSequence)
    {
        BackendKind? backend = parse.GetValue(_backend) is { } b ? CliErrors.NamingFlag("--backend", () => ModelLocator.ParseBackend(b)) : null;
        var type = CliErrors.NamingFlag("--type", () => GgufFileType.Parse(parse.GetValue(_type)!, "type"));
        int threads = parse.GetValue(_threads);
        if (threads < 0 || threads > ModelLoadOptions.MaxThreads) throw new UserInputException($"--threads must lie in [0, {ModelLoadOptions.MaxThreads}], got {threads}");
        var model = parse.GetValue(_model);
        if (model != null && !Directory.Exists(model) && !File.Exists(model)) throw new UserInputException($"--model: '{model}' is neither a folder nor a file");
        var tokenizer = parse.GetValue(_tokenizer) ?? Path.Combine("..", "shared", "tokenizers", "qwen2.5");
        if (model == null && !File.Exists(Path.Combine(tokenizer, "tokenizer.json")))
            throw new UserInputException($"--tokenizer: '{tokenizer}' has no tokenizer.json");

        var keep = parse.GetValue(_work);
        string? temporary = model == null && keep == null ? Directory.CreateTempSubdirectory("slot-bench-serve-").FullName : null;
        try
        {
            string path = model ?? BenchGgufCommand.WriteRandomCheckpoint(keep ?? temporary!, tokenizer);
            if (model == null && backend == BackendKind.LlamaCpp) path = BenchGgufCommand.RandomGguf(path, type, threads);
            var loaded = SlotModel.Load(path, new ModelLoadOptions
            {
                Backend = backend ?? (model == null ? BackendKind.Torch : null),
                DType = "fp32", // TorchSharp only
                Threads = threads,
                // Every sequence at its longest at once, plus one sequence's worth of slack.
                LlamaCpp = new LlamaCppOptions { ContextSize = (maxSequences + 1) * tokensPerSequence + 64, MaxSequences = maxSequences },
            });
            return new LoadedBenchModel(loaded, temporary);
        }
        catch
        {
            if (temporary != null) Directory.Delete(temporary, recursive: true);
            throw;
        }
    }
}

/// <summary>A loaded bench model; disposing it also deletes its temporary work folder.</summary>
internal sealed class LoadedBenchModel(SlotModel model, string? temporaryFolder) : IDisposable
{
    public SlotModel Model { get; } = model;

    /// <summary>`slot serve`'s server for this model, listening on 127.0.0.1 at a free port.</summary>
    public WebApplication Serve(ServeSettings settings)
    {
        settings.Validate();
        var addresses = ListenAddress.ParseAll("http://127.0.0.1:0");
        var app = new SlotServer(Model, settings).Build(addresses); // its engine stops with the app
        SlotServer.Start(app, addresses);
        return app;
    }

    public void Dispose()
    {
        Model.Dispose();
        if (temporaryFolder != null) Directory.Delete(temporaryFolder, recursive: true);
    }
}
