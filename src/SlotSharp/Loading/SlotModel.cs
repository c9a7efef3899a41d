using SlotSharp.Backends;
using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp;

/// <summary>The SLOT prompt stage of one prompt, without tensors (safe to keep after generation).</summary>
public sealed record SlotSummary(int Times, double Lr, SlotImplKind Impl, SlotOptimizerKind Optimizer, float[] Delta,
    IReadOnlyList<double> Losses, IReadOnlyList<double> DeltaNorms, bool Skipped, string? StopReason, double Milliseconds, bool Loaded);

/// <summary>
/// One loaded model, the same for every front door: its backend (TorchSharp for a Hugging Face folder, llama.cpp for
/// a GGUF file), tokenizer, chat template, end-of-sequence ids, generation defaults, context length and W for SLOT.
/// Load it with <see cref="Load"/> (a local folder, a .gguf file or a Hub repo id). It does not run anything by
/// itself: a <see cref="Engine.SlotEngine"/> built on it is the backend's only driver (backends are single-threaded),
/// and every request goes through that engine. Dispose the engine first, then the model.
/// </summary>
public sealed class SlotModel : IDisposable
{
    readonly Lazy<ChatTemplate> _chat;
    Engine.SlotEngine? _engine; // the engine driving the backend, while one does

    internal SlotModel(string folder, LoadedBackend loaded, double loadMs, string? ggufFile, Action<string>? warn)
    {
        Folder = folder; Backend = loaded.Backend; Tokenizer = loaded.Tokenizer; EosIds = loaded.EosIds; LoadMilliseconds = loadMs;
        DefaultRepetitionPenalty = loaded.RepetitionPenalty; GgufFile = ggufFile;
        Warn = warn ?? (m => Console.Error.WriteLine($"warning: {m}"));
        // The template is read on first use: a model without one warns only when a chat is rendered.
        _chat = new Lazy<ChatTemplate>(() =>
        {
            var chat = loaded.ChatTemplate();
            if (chat.Warning is { } w) Warn(w);
            return chat;
        });
    }

    /// <summary>Loads a model: see <see cref="ModelLoader.Load"/>.</summary>
    public static SlotModel Load(string model, ModelLoadOptions? options = null) => ModelLoader.Load(model, options ?? new ModelLoadOptions());

    /// <summary>The model folder (for a GGUF model: the folder holding the file).</summary>
    public string Folder { get; }

    /// <summary>The .gguf file the llama.cpp backend runs; null on TorchSharp.</summary>
    public string? GgufFile { get; }

    /// <summary>The backend. Only the model's engine drives it; tests and tools may while no engine exists.</summary>
    public IModelBackend Backend { get; }

    public ITokenizer Tokenizer { get; }

    /// <summary>End-of-sequence ids (generation_config.json's, else the checkpoint's or the GGUF's).</summary>
    public IReadOnlyList<int> EosIds { get; }

    /// <summary>generation_config.json's repetition_penalty (1 when absent): transformers applies it by default.</summary>
    public double DefaultRepetitionPenalty { get; }

    public double LoadMilliseconds { get; }

    public int HiddenSize => Backend.HiddenSize;

    public int VocabSize => Backend.VocabSize;

    /// <summary>
    /// Positions a request may use: those the model was trained for (max_position_embeddings; a GGUF's
    /// context_length), or the llama.cpp context actually allocated (its KV cells) when that is smaller.
    /// </summary>
    public int ContextLength => Backend.Kv is { Unit: KvUnit.Cells, Capacity: { } cells } && cells < Backend.MaxPositions
        ? (int)cells : Backend.MaxPositions;

    /// <summary>
    /// A name for the model that survives moving the folder: "org/name" for a Hugging Face cache snapshot
    /// (models--org--name/snapshots/...), else a local GGUF file's name without .gguf, else the folder's name. Stored with saved deltas and checked on load.
    /// </summary>
    public string ModelId => ModelIdOf(Folder, GgufFile);

    /// <summary>Where warnings go (fallback chat template, skipped SLOT stage, ...): ModelLoadOptions.Warn, else stderr.</summary>
    public Action<string> Warn { get; set; }

    /// <summary>The model's chat template (or the ChatML fallback, with a warning), read on first use.</summary>
    public ChatTemplate Chat => _chat.Value;

    /// <summary>Marks the backend as driven by <paramref name="engine"/>; a second live engine on the same model is refused.</summary>
    internal void TakeBackend(Engine.SlotEngine engine)
    {
        if (Interlocked.CompareExchange(ref _engine, engine, null) != null)
            throw new InvalidOperationException("another SlotEngine already drives this model's backend (one engine per model): dispose it first, or submit to it");
    }

    /// <summary>The engine driving the backend now, if any (tests submit their solo runs to it).</summary>
    internal Engine.SlotEngine? CurrentEngine => Volatile.Read(ref _engine);

    internal void ReturnBackend(Engine.SlotEngine engine) => Interlocked.CompareExchange(ref _engine, null, engine);

    /// <summary>
    /// Refuses an empty prompt, ids outside the vocabulary and, unless allowed, a prompt plus max_new_tokens past the
    /// model's trained context. The engine checks every request with it at submission.
    /// </summary>
    internal void CheckPrompt(IReadOnlyList<int> promptIds, GenerationOptions generation)
    {
        generation.Validate();
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        foreach (var id in promptIds)
            if (id < 0 || id >= Backend.VocabSize) throw new SlotSharpException($"prompt id {id} is outside the model's vocabulary [0, {Backend.VocabSize})");
        generation.CheckContextLength(promptIds.Count, ContextLength);
    }

    /// <summary>
    /// The prompt through the backend into a new sequence, outside any engine (tests and measurements only: while an
    /// engine runs, it alone drives the backend). <paramref name="keepHidden"/> keeps H for a SLOT prompt stage.
    /// </summary>
    internal BackendSequence Prefill(IReadOnlyList<int> promptIds, GenerationOptions generation, bool keepHidden = true, CancellationToken cancel = default)
    {
        CheckPrompt(promptIds, generation);
        // The last generated token is never fed back, so the cache holds at most prompt + max_new_tokens - 1 positions.
        long expected = promptIds.Count + Math.Max(0L, generation.MaxNewTokens - 1L);
        return Backend.Prefill(promptIds, keepHidden, expected, cancel);
    }

    /// <summary>The SLOT prompt stage, to be run one optimizer step at a time (the engine interleaves decode steps).</summary>
    internal ISlotStage StartSlot(BackendSequence prefill, SlotOptions options) => Backend.SlotMath.Start(prefill, options, Warn);

    /// <summary>b = W delta for a stored delta.</summary>
    internal float[] LogitBias(float[] delta) => Backend.SlotMath.LogitBias(delta);

    internal static string ModelIdOf(string folder, string? ggufFile = null)
    {
        var parts = Path.GetFullPath(folder).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int snap = Array.LastIndexOf(parts, "snapshots");
        if (snap > 0 && parts[snap - 1].StartsWith("models--", StringComparison.Ordinal))
            return parts[snap - 1]["models--".Length..].Replace("--", "/", StringComparison.Ordinal);
        if (ggufFile != null) return Path.GetFileNameWithoutExtension(ggufFile);
        return parts.Length > 0 ? parts[^1] : folder;
    }

    /// <summary>Frees the backend; an engine still running on it is disposed first (it stops its thread).</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _engine, null)?.Dispose();
        (Tokenizer as IDisposable)?.Dispose();
        Backend.Dispose();
    }
}
