using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// One float32 model per (backend, shared model) for a test class: the Hugging Face folder on TorchSharp, or its F32
/// GGUF on llama.cpp with room for several sequences. A class's tests run one at a time, so each model's engine is
/// never driven by two tests at once.
/// </summary>
public sealed class EngineBackends : IDisposable
{
    readonly ConvertedModels _converted = new();
    readonly Dictionary<(string, string), TestModel> _models = new();

    internal TestModel For(string backend, Golden golden)
    {
        var key = (backend, golden.ModelDir);
        if (_models.TryGetValue(key, out var model)) return model;
        model = backend == "torch"
            ? TestModel.Load(golden.ModelDir)
            : TestModel.Load(_converted.F32(Path.GetFileName(golden.ModelDir)), new ModelLoadOptions
            {
                LlamaCpp = new LlamaCppOptions { ContextSize = 4096, MaxSequences = 8, Threads = 2 },
            });
        model.Warn = _ => { };
        return _models[key] = model;
    }

    internal SlotEngine Engine(string backend, Golden golden) => For(backend, golden).Engine;

    /// <summary>
    /// An engine of its own on the shared model (the model's default engine is stopped first; dispose this one before
    /// asking for that again): tests that need exact engine options, such as the prefix cache off where a later request
    /// with the same prompt must be bit for bit a fresh prefill.
    /// </summary>
    internal SlotEngine Engine(string backend, Golden golden, EngineOptions options) => For(backend, golden).NewEngine(options);

    public void Dispose()
    {
        foreach (var m in _models.Values) m.Dispose();
        _converted.Dispose();
    }
}
