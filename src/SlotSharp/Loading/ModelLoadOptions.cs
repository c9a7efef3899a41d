using SlotSharp.Backends;
using SlotSharp.Hub;

namespace SlotSharp;

/// <summary>How <see cref="ModelLoader"/> finds and runs a model. Every field has a default that suits a CPU.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Hub revision (branch, tag or commit) when the model is a repo id; null is "main".</summary>
    public string? Revision { get; init; }

    /// <summary>Overrides the backend the files imply (where a folder or repo holds both safetensors and GGUF files).</summary>
    public BackendKind? Backend { get; init; }

    /// <summary>Which .gguf file of a folder or repo to run (default: the only one, else Q8_0, else Q4_K_M); implies llama.cpp.</summary>
    public string? GgufFile { get; init; }

    /// <summary>TorchSharp device: "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>TorchSharp compute dtype (fp32, bf16, fp16); null picks the measured default for the device and size.</summary>
    public string? DType { get; init; }

    /// <summary>CPU threads for either backend; 0 keeps the backend's default.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Most threads accepted: 4 per logical processor, and never more than 1024. More only oversubscribes the cores
    /// (100000 once started 8,970 OS threads and never finished). See README.
    /// </summary>
    public static int MaxThreads { get; } = Math.Min(1024, 4 * Environment.ProcessorCount);

    /// <summary>llama.cpp context and batch settings (its Threads is replaced by <see cref="Threads"/> when that is set).</summary>
    public LlamaCppOptions LlamaCpp { get; init; } = new();

    /// <summary>Hub endpoint, cache and token; null reads the environment as huggingface_hub does.</summary>
    public HubSettings? Hub { get; init; }

    /// <summary>Download progress of a Hub model, reported from download threads.</summary>
    public IProgress<HubProgress>? Progress { get; init; }

    /// <summary>Receives the model's warnings (fallback chat template, skipped SLOT stage); null writes them to stderr.</summary>
    public Action<string>? Warn { get; init; }
}
