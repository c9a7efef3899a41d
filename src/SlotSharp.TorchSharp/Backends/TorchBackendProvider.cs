using SlotSharp.Chat;
using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Tokenization;

namespace SlotSharp.Backends;

/// <summary>
/// Loads a Hugging Face folder (config.json, safetensors, tokenizer.json) on TorchSharp for <see cref="ModelLoader"/>.
/// The compute dtype defaults by device and size (<see cref="ComputeOptions.DefaultDType"/>); the end-of-sequence ids
/// come from generation_config.json, else config.json.
/// </summary>
public sealed class TorchBackendProvider : IBackendProvider
{
    public BackendKind Kind => BackendKind.Torch;

    public LoadedBackend Load(ModelLocation location, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        ComputeOptions.CheckThreads(options.Threads);
        TorchRuntime.SetThreads(options.Threads);
        using var checkpoint = Checkpoint.Open(location.Folder);
        var tokenizer = TokenizerLoader.FromModelFolder(location.Folder);
        checkpoint.RequireCovers(tokenizer);
        var compute = ComputeOptions.Parse(options.Device, options.DType, checkpoint.ParameterCount);
        var model = CausalLM.Load(checkpoint, compute);
        return new LoadedBackend(new TorchBackend(model), tokenizer, checkpoint.StopIds, checkpoint.Generation?.RepetitionPenalty ?? 1.0,
            () => ChatTemplate.FromModelFolder(location.Folder));
    }
}
