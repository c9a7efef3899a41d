using SlotSharp.Chat;
using SlotSharp.Tokenization;

namespace SlotSharp.Backends;

/// <summary>
/// A backend package's entry for <see cref="ModelLoader"/>: it turns located model files into a running backend and
/// the model facts only it can read (its tokenizer, end-of-sequence ids, generation defaults, chat template).
/// </summary>
public interface IBackendProvider
{
    BackendKind Kind { get; }

    LoadedBackend Load(ModelLocation location, ModelLoadOptions options);
}

/// <summary>A loaded backend and the model facts that come with it; <see cref="ChatTemplate"/> is read on first use.</summary>
public sealed record LoadedBackend(IModelBackend Backend, ITokenizer Tokenizer, IReadOnlyList<int> EosIds, double RepetitionPenalty,
    Func<ChatTemplate> ChatTemplate);

/// <summary>
/// The backends the loader can use. A backend's package registers itself the first time it is asked for by kind: its
/// assembly is loaded only then, so a GGUF user never loads libtorch and a safetensors user never loads llama.cpp.
/// <see cref="Register"/> adds or replaces one explicitly (tests, trimmed apps).
/// </summary>
public static class BackendProviders
{
    static readonly Dictionary<BackendKind, IBackendProvider> Registered = [];
    static readonly Lock Gate = new();

    /// <summary>Where each backend's provider lives (assembly-qualified), and the package that ships it.</summary>
    static readonly Dictionary<BackendKind, (string Type, string Package)> Known = new()
    {
        [BackendKind.Torch] = ("SlotSharp.Backends.TorchBackendProvider, SlotSharp.TorchSharp", "SlotSharp.TorchSharp"),
        [BackendKind.LlamaCpp] = ("SlotSharp.Backends.LlamaCppBackendProvider, SlotSharp.LlamaCpp", "SlotSharp.LlamaCpp"),
    };

    public static void Register(IBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate) Registered[provider.Kind] = provider;
    }

    public static IBackendProvider For(BackendKind kind)
    {
        lock (Gate)
        {
            if (Registered.TryGetValue(kind, out var provider)) return provider;
            var (typeName, package) = Known[kind];
            var type = Type.GetType(typeName, throwOnError: false)
                ?? throw new SlotSharpException($"the {Name(kind)} backend is not installed: add the {package} package");
            provider = (IBackendProvider)Activator.CreateInstance(type)!;
            Registered[kind] = provider;
            return provider;
        }
    }

    static string Name(BackendKind kind) => kind == BackendKind.Torch ? "TorchSharp" : "llama.cpp";
}
