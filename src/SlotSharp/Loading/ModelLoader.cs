using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Checkpoints;
using SlotSharp.Gguf;
using SlotSharp.Hub;
using SlotSharp.LlamaCpp;
using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Tokenization;

namespace SlotSharp;

/// <summary>
/// The one loader: a local model folder, a .gguf file or a Hugging Face repo id (downloaded once into the cache
/// huggingface_hub shares, only the files the chosen backend reads) becomes a <see cref="SlotModel"/>. The backend
/// follows the files (<see cref="ModelLocator"/>): safetensors run on TorchSharp, GGUF on llama.cpp. Every front
/// door (CLI, server, evaluators, chat client, library) loads through here, so they all honour the same options.
/// </summary>
public static class ModelLoader
{
    public static SlotModel Load(string model, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var location = ModelLocator.Locate(Resolve(model, options), options.Backend, options.GgufFile);
        return location.Backend == BackendKind.LlamaCpp ? LoadGguf(location, options, clock) : LoadTorch(location, options, clock);
    }

    /// <summary>A local folder or file as given; otherwise a Hub repo id, resolved to its snapshot (or chosen GGUF file).</summary>
    public static string Resolve(string model, ModelLoadOptions options)
    {
        if (Directory.Exists(model) || File.Exists(model)) return model;
        return HubResolver.ResolveModel(model, options.Revision, options.Progress, options.Hub,
            new WeightsChoice(options.Backend, options.GgufFile));
    }

    static SlotModel LoadTorch(ModelLocation location, ModelLoadOptions options, Stopwatch clock)
    {
        ComputeOptions.CheckThreads(options.Threads);
        TorchRuntime.SetThreads(options.Threads);
        using var checkpoint = Checkpoint.Open(location.Folder);
        var tokenizer = TokenizerLoader.FromModelFolder(location.Folder);
        checkpoint.RequireCovers(tokenizer);
        var compute = ComputeOptions.Parse(options.Device, options.DType, checkpoint.ParameterCount);
        var model = CausalLM.Load(checkpoint, compute);
        return new SlotModel(location.Folder, new TorchBackend(model), tokenizer, checkpoint.StopIds,
            checkpoint.Generation?.RepetitionPenalty ?? 1.0, clock.Elapsed.TotalMilliseconds, ggufFile: null, options.Warn);
    }

    static SlotModel LoadGguf(ModelLocation location, ModelLoadOptions options, Stopwatch clock)
    {
        var gguf = location.GgufFile!;
        var generationConfig = GenerationConfig.LoadOrNull(Path.Combine(location.Folder, "generation_config.json"));
        var llama = options.Threads > 0 ? options.LlamaCpp with { Threads = options.Threads } : options.LlamaCpp;
        var backend = LlamaCppBackend.Load(gguf, llama);
        try
        {
            IReadOnlyList<int> eos;
            if (generationConfig is { EosTokenIds.Count: > 0 } g) eos = g.EosTokenIds;
            else
            {
                using var file = GgufFile.Open(gguf);
                eos = GgufTokenizerMetadata.StopIds(file.Header);
            }
            var tokenizer = GgufTokenizerLoader.Load(gguf);
            return new SlotModel(location.Folder, backend, tokenizer, eos, generationConfig?.RepetitionPenalty ?? 1.0,
                clock.Elapsed.TotalMilliseconds, gguf, options.Warn);
        }
        catch { backend.Dispose(); throw; }
    }
}
