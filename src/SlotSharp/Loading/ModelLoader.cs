using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Hub;

namespace SlotSharp;

/// <summary>
/// The one loader: a local model folder, a .gguf file or a Hugging Face repo id (downloaded once into the cache
/// huggingface_hub shares, only the files the chosen backend reads) becomes a <see cref="SlotModel"/>. The backend
/// follows the files (<see cref="ModelLocator"/>): safetensors run on TorchSharp, GGUF on llama.cpp, each from its own
/// package (<see cref="BackendProviders"/>). Every front door (CLI, server, evaluators, chat client, library) loads
/// through here, so they all honour the same options.
/// </summary>
public static class ModelLoader
{
    public static SlotModel Load(string model, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var location = ModelLocator.Locate(Resolve(model, options), options.Backend, options.GgufFile);
        var loaded = BackendProviders.For(location.Backend).Load(location, options);
        return new SlotModel(location.Folder, loaded, clock.Elapsed.TotalMilliseconds, location.GgufFile, options.Warn);
    }

    /// <summary>A local folder or file as given; otherwise a Hub repo id, resolved to its snapshot (or chosen GGUF file).</summary>
    public static string Resolve(string model, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(model) || File.Exists(model)) return model;
        return HubResolver.ResolveModel(model, options.Revision, options.Progress, options.Hub,
            new WeightsChoice(options.Backend, options.GgufFile));
    }
}
