using SlotSharp.Checkpoints;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Backends;

/// <summary>
/// Loads a GGUF file on llama.cpp for <see cref="ModelLoader"/>, with llama.cpp's own vocabulary and the file's chat
/// template. End-of-sequence ids and the repetition penalty come from a generation_config.json beside the file when
/// there is one (a Hub GGUF repo often ships it), else from the GGUF's metadata.
/// </summary>
public sealed class LlamaCppBackendProvider : IBackendProvider
{
    public BackendKind Kind => BackendKind.LlamaCpp;

    public LoadedBackend Load(ModelLocation location, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        var gguf = location.GgufFile ?? throw new SlotSharpException($"'{location.Folder}' names no GGUF file for the llama.cpp backend");
        var generationConfig = GenerationConfig.LoadOrNull(Path.Combine(location.Folder, "generation_config.json"));
        var llama = options.Threads > 0 ? options.LlamaCpp with { Threads = options.Threads } : options.LlamaCpp;
        var backend = LlamaCppBackend.Load(gguf, llama, options.Warn);
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
            return new LoadedBackend(backend, tokenizer, eos, generationConfig?.RepetitionPenalty ?? 1.0, () => GgufChatTemplate.Load(gguf));
        }
        catch { backend.Dispose(); throw; }
    }
}
