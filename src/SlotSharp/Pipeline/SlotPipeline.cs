using System.Diagnostics;
using SlotSharp.Backends;
using SlotSharp.Engine;
using SlotSharp.Chat;
using SlotSharp.Checkpoints;
using SlotSharp.Generation;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Slot;
using SlotSharp.Tokenization;
using static TorchSharp.torch;

namespace SlotSharp.Pipeline;

/// <summary>What one SLOT generation produced: the tokens and, when SLOT ran, its trajectory.</summary>
public sealed record SlotGeneration(GenerationResult Generation, SlotSummary? Slot);

/// <summary>The SLOT prompt stage of one prompt, without tensors (safe to keep after generation).</summary>
public sealed record SlotSummary(int Times, double Lr, SlotImplKind Impl, SlotOptimizerKind Optimizer, float[] Delta,
    IReadOnlyList<double> Losses, IReadOnlyList<double> DeltaNorms, bool Skipped, string? StopReason, double Milliseconds, bool Loaded);

/// <summary>
/// Everything needed to run SLOT on one model: a backend (TorchSharp for a Hugging Face folder, llama.cpp for a GGUF
/// file), tokenizer, chat template, stop ids, and the <see cref="SlotEngine"/> that owns the backend. Generation has
/// one composition path, that engine: <see cref="Generate"/> (the CLI's generate command, the golden generation
/// tests), the evaluators (<see cref="PipelineEvalEngine"/>), the chat client and the server all submit to it.
/// </summary>
public sealed partial class SlotPipeline : IDisposable
{
    ChatTemplate? _chat;
    Tensor? _lmHead32;

    /// <summary>The model folder (for a GGUF model: the folder holding the file).</summary>
    public string Folder { get; }
    public IModelBackend Backend { get; }
    public ITokenizer Tokenizer { get; }
    public IReadOnlyList<int> StopIds { get; }
    /// <summary>generation_config.json's repetition_penalty (1 when absent): transformers applies it by default.</summary>
    public double DefaultRepetitionPenalty { get; }
    public double LoadMilliseconds { get; }
    public int HiddenSize => Backend.HiddenSize;
    /// <summary>
    /// A name for the model that survives moving the folder: "org/name" for a Hugging Face cache snapshot
    /// (models--org--name/snapshots/...), else the folder's name. Stored with saved deltas and checked on load.
    /// </summary>
    public string ModelId => ModelIdOf(Folder);
    /// <summary>Receives warnings (fallback chat template, skipped SLOT stage, ...); defaults to stderr.</summary>
    public Action<string> Warn { get; set; } = m => Console.Error.WriteLine($"warning: {m}");

    SlotPipeline(string folder, IModelBackend backend, ITokenizer tokenizer, IReadOnlyList<int> stopIds, double repetitionPenalty, double loadMs)
    {
        Folder = folder; Backend = backend; Tokenizer = tokenizer; StopIds = stopIds; LoadMilliseconds = loadMs;
        DefaultRepetitionPenalty = repetitionPenalty;
    }

    /// <summary>A Hugging Face folder on TorchSharp.</summary>
    public static SlotPipeline Load(string folder, ComputeOptions compute) => Load(folder, new PipelineOptions { Compute = compute });

    /// <summary>A Hugging Face folder, a folder holding GGUF files, or a .gguf file; the backend follows the files.</summary>
    public static SlotPipeline Load(string path, PipelineOptions options)
    {
        var clock = Stopwatch.StartNew();
        var location = ModelLocator.Locate(path, options.Backend, options.GgufFile);
        if (location.Backend == BackendKind.LlamaCpp) return LoadGguf(location, options, clock);
        using var checkpoint = Checkpoint.Open(location.Folder);
        var tokenizer = TokenizerLoader.FromModelFolder(location.Folder);
        checkpoint.RequireCovers(tokenizer);
        var model = CausalLM.Load(checkpoint, options.Compute ?? ComputeOptions.Parse("cpu", null, checkpoint.ParameterCount));
        return new SlotPipeline(location.Folder, new TorchBackend(model), tokenizer, checkpoint.StopIds,
            checkpoint.Generation?.RepetitionPenalty ?? 1.0, clock.Elapsed.TotalMilliseconds);
    }

    static SlotPipeline LoadGguf(ModelLocation location, PipelineOptions options, Stopwatch clock)
    {
        var folder = location.Folder;
        var generationConfig = GenerationConfig.LoadOrNull(Path.Combine(folder, "generation_config.json"));
        var backend = LlamaCppBackend.Load(location.GgufFile!, options.LlamaCpp);
        try
        {
            IReadOnlyList<int> stops;
            if (generationConfig is { EosTokenIds.Count: > 0 } g) stops = g.EosTokenIds;
            else
            {
                using var file = GgufFile.Open(location.GgufFile!);
                stops = GgufTokenizerMetadata.StopIds(file.Header);
            }
            var tokenizer = GgufTokenizerLoader.Load(location.GgufFile!);
            return new SlotPipeline(folder, backend, tokenizer, stops, generationConfig?.RepetitionPenalty ?? 1.0, clock.Elapsed.TotalMilliseconds)
            {
                _chatSource = location.GgufFile,
            };
        }
        catch { backend.Dispose(); throw; }
    }

    string? _chatSource;

    /// <summary>The model's chat template (or the ChatML fallback, with a warning), loaded on first use.</summary>
    public ChatTemplate Chat
    {
        get
        {
            if (_chat == null)
            {
                _chat = _chatSource != null ? GgufChatTemplate.Load(_chatSource) : ChatTemplate.FromModelFolder(Folder);
                if (_chat.Warning is { } w) Warn(w);
            }
            return _chat;
        }
    }

    /// <summary>Plain text with the tokenizer's default special tokens (e.g. Llama's BOS).</summary>
    public int[] EncodeText(string text) => Tokenizer.Encode(text, addSpecialTokens: true);

    /// <summary>
    /// As the original SLOT code builds prompts: apply_chat_template(messages, add_generation_prompt=True) then
    /// encode with add_special_tokens=False (the template already holds any BOS).
    /// </summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages) =>
        Tokenizer.Encode(Chat.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);

    /// <summary>
    /// W in float32 for the SLOT fast path, converted once per pipeline (a no-op alias for fp32 models): a bf16 7B
    /// head would otherwise be copied (2.2 GB) for every prompt and every setting of a sweep.
    /// </summary>
    Tensor LmHeadFloat32 => _lmHead32 ??= (Backend.LmHeadWeight.dtype == ScalarType.Float32
        ? Backend.LmHeadWeight.alias()
        : Backend.LmHeadWeight.to(ScalarType.Float32)).DetachFromDisposeScope(); // lives as long as the pipeline

    SlotRunner Runner(SlotOptions options) => new(Backend.LmHeadWeight, options, Warn, LmHeadFloat32);

    /// <summary>
    /// Runs the prompt through the backend into a new sequence (the caller disposes it). Refuses ids outside the
    /// vocabulary and, unless allowed, a prompt plus max_new_tokens past the model's trained context.
    /// <paramref name="keepHidden"/> keeps H for a SLOT prompt stage. <paramref name="cancel"/> is checked between chunks.
    /// This is the engine's building block; called directly (tests, tools), it first claims the backend from the
    /// engine (<see cref="ClaimBackendForDirectUse"/>).
    /// </summary>
    public BackendSequence Prefill(IReadOnlyList<int> promptIds, GenerationOptions generation, bool keepHidden = true, CancellationToken cancel = default)
    {
        ClaimBackendForDirectUse();
        CheckPrompt(promptIds, generation);
        // The last generated token is never fed back, so the cache holds at most prompt + max_new_tokens - 1 positions.
        long expected = promptIds.Count + Math.Max(0L, generation.MaxNewTokens - 1L);
        return Backend.Prefill(promptIds, keepHidden, expected, cancel);
    }

    /// <summary>The checks of <see cref="Prefill"/> without running anything (the engine checks at submission).</summary>
    public void CheckPrompt(IReadOnlyList<int> promptIds, GenerationOptions generation)
    {
        generation.Validate();
        if (promptIds.Count == 0) throw new SlotSharpException("the prompt is empty: give at least one token");
        foreach (var id in promptIds)
            if (id < 0 || id >= Backend.VocabSize) throw new SlotSharpException($"prompt id {id} is outside the model's vocabulary [0, {Backend.VocabSize})");
        generation.CheckContextLength(promptIds.Count, Backend.MaxPositions);
    }

    /// <summary>
    /// Runs the SLOT prompt stage on a prefill's hidden states; the caller disposes the result. <paramref name="cancel"/>
    /// is checked before every step.
    /// </summary>
    public SlotResult RunSlot(BackendSequence prefill, SlotOptions options, CancellationToken cancel = default) =>
        SlotStage.RunToEnd(StartSlot(prefill, options), cancel);

    /// <summary>The SLOT prompt stage, to be run one optimizer step at a time (the engine interleaves decode steps).</summary>
    public SlotStage StartSlot(BackendSequence prefill, SlotOptions options)
    {
        var hidden = prefill.PromptHidden ?? throw new InvalidOperationException("the prefill kept no hidden states (prefill with keepHidden)");
        var runner = Runner(options);
        try { return runner.Start(hidden, prefill.PromptIds.Select(i => (long)i).ToArray(), ownRunner: true, promptLogits: prefill.PromptLogits); }
        catch { runner.Dispose(); throw; }
    }

    /// <summary>b = W delta for a stored delta.</summary>
    public Tensor LogitBias(float[] delta)
    {
        using var runner = Runner(new SlotOptions { Times = 0 });
        return runner.LogitBias(delta);
    }

    public static string ModelIdOf(string folder)
    {
        var parts = Path.GetFullPath(folder).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int snap = Array.LastIndexOf(parts, "snapshots");
        if (snap > 0 && parts[snap - 1].StartsWith("models--", StringComparison.Ordinal))
            return parts[snap - 1]["models--".Length..].Replace("--", "/");
        return parts.Length > 0 ? parts[^1] : folder;
    }

    public void Dispose()
    {
        StopEngine(); // its thread drives the backend, so it stops first
        _lmHead32?.Dispose();
        (Tokenizer as IDisposable)?.Dispose();
        Backend.Dispose();
    }
}

/// <summary>How <see cref="SlotPipeline.Load(string, PipelineOptions)"/> runs a model.</summary>
public sealed record PipelineOptions
{
    /// <summary>TorchSharp device and dtype; null picks the default for the checkpoint's size.</summary>
    public ComputeOptions? Compute { get; init; }
    /// <summary>Overrides the backend the files imply (where the folder holds both safetensors and GGUF files).</summary>
    public BackendKind? Backend { get; init; }
    /// <summary>Which .gguf file of a folder to run (default: the only one, else Q8_0, else Q4_K_M).</summary>
    public string? GgufFile { get; init; }
    public LlamaCppOptions LlamaCpp { get; init; } = new();
}
