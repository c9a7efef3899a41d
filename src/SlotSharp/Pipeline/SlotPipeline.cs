using System.Diagnostics;
using SlotSharp.Chat;
using SlotSharp.Checkpoints;
using SlotSharp.Generation;
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
/// Everything needed to run SLOT on one model folder: checkpoint, model, tokenizer, chat template, stop ids.
/// The CLI's generate command, the evaluation engine and library users all go through here.
/// </summary>
public sealed class SlotPipeline : IDisposable
{
    ChatTemplate? _chat;
    Tensor? _lmHead32;

    public string Folder { get; }
    public CausalLM Model { get; }
    public ITokenizer Tokenizer { get; }
    public IReadOnlyList<int> StopIds { get; }
    /// <summary>generation_config.json's repetition_penalty (1 when absent): transformers applies it by default.</summary>
    public double DefaultRepetitionPenalty { get; }
    public TokenGenerator Generator { get; }
    public double LoadMilliseconds { get; }
    /// <summary>
    /// A name for the model that survives moving the folder: "org/name" for a Hugging Face cache snapshot
    /// (models--org--name/snapshots/...), else the folder's name. Stored with saved deltas and checked on load.
    /// </summary>
    public string ModelId => ModelIdOf(Folder);
    /// <summary>Receives warnings (fallback chat template, skipped SLOT stage, ...); defaults to stderr.</summary>
    public Action<string> Warn { get; set; } = m => Console.Error.WriteLine($"warning: {m}");

    SlotPipeline(string folder, CausalLM model, ITokenizer tokenizer, IReadOnlyList<int> stopIds, double repetitionPenalty, double loadMs)
    {
        Folder = folder; Model = model; Tokenizer = tokenizer; StopIds = stopIds; LoadMilliseconds = loadMs;
        DefaultRepetitionPenalty = repetitionPenalty;
        Generator = new TokenGenerator(model);
    }

    public static SlotPipeline Load(string folder, ComputeOptions compute)
    {
        var clock = Stopwatch.StartNew();
        using var checkpoint = Checkpoint.Open(folder);
        var tokenizer = TokenizerLoader.FromModelFolder(folder);
        checkpoint.RequireCovers(tokenizer);
        var model = CausalLM.Load(checkpoint, compute);
        return new SlotPipeline(folder, model, tokenizer, checkpoint.StopIds, checkpoint.Generation?.RepetitionPenalty ?? 1.0,
            clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>The model folder's chat template (or the ChatML fallback, with a warning), loaded on first use.</summary>
    public ChatTemplate Chat
    {
        get
        {
            if (_chat == null)
            {
                _chat = ChatTemplate.FromModelFolder(Folder);
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
    Tensor LmHeadFloat32 => _lmHead32 ??= (Model.LmHeadWeight.dtype == ScalarType.Float32
        ? Model.LmHeadWeight.alias()
        : Model.LmHeadWeight.to(ScalarType.Float32)).DetachFromDisposeScope(); // lives as long as the pipeline

    SlotRunner Runner(SlotOptions options) => new(Model.LmHeadWeight, options, Warn, LmHeadFloat32);

    /// <summary>
    /// Runs the SLOT prompt stage on a prefill's hidden states; the caller disposes the result. <paramref name="cancel"/>
    /// is checked before every step.
    /// </summary>
    public SlotResult RunSlot(Prefill prefill, SlotOptions options, CancellationToken cancel = default)
    {
        using var runner = Runner(options);
        return runner.Run(prefill.Hidden, prefill.PromptIds.Select(i => (long)i).ToArray(), cancel);
    }

    /// <summary>b = W delta for a stored delta.</summary>
    public Tensor LogitBias(float[] delta)
    {
        using var runner = Runner(new SlotOptions { Times = 0 });
        return runner.LogitBias(delta);
    }

    /// <summary>
    /// Prefill, SLOT prompt stage (skipped when <paramref name="slot"/> is null or times is 0; replaced by
    /// <paramref name="loadedDelta"/> when given), then decoding with b = W delta added to every logit.
    /// <paramref name="onBias"/> sees b = W delta (e.g. to explain it) before decoding starts. <paramref name="cancel"/>
    /// stops the prefill between chunks and the SLOT stage between steps (OperationCanceledException) and ends
    /// decoding early (the tokens so far are returned).
    /// </summary>
    public SlotGeneration Generate(IReadOnlyList<int> promptIds, GenerationOptions generation, SlotOptions? slot = null,
        float[]? loadedDelta = null, Action<int>? onToken = null, Action<Tensor>? onBias = null, CancellationToken cancel = default)
    {
        using var prefill = Generator.Prefill(promptIds, generation, cancel);
        return Continue(prefill, generation, slot, loadedDelta, onToken, onBias, cancel);
    }

    /// <summary>
    /// Everything after the prefill: SLOT prompt stage on its hidden states, then decoding. The prefill can serve
    /// several calls (a sweep over SLOT settings runs the backbone on the prompt once).
    /// </summary>
    public SlotGeneration Continue(Prefill prefill, GenerationOptions generation, SlotOptions? slot = null,
        float[]? loadedDelta = null, Action<int>? onToken = null, Action<Tensor>? onBias = null, CancellationToken cancel = default)
    {
        var options = slot ?? new SlotOptions { Times = 0 };
        if (loadedDelta != null)
        {
            using var bias = LogitBias(loadedDelta);
            onBias?.Invoke(bias);
            var g = Generator.Decode(prefill, generation, bias, onToken, cancel);
            return new SlotGeneration(g, new SlotSummary(0, options.Lr, options.Impl, options.Optimizer, loadedDelta, [], [], false, null, 0, Loaded: true));
        }
        if (options.Times == 0)
            return new SlotGeneration(Generator.Decode(prefill, generation, null, onToken, cancel), null);

        var clock = Stopwatch.StartNew();
        using var result = RunSlot(prefill, options, cancel);
        double slotMs = clock.Elapsed.TotalMilliseconds;
        if (!result.Skipped) onBias?.Invoke(result.LogitBias);
        var generated = Generator.Decode(prefill, generation, result.Skipped ? null : result.LogitBias, onToken, cancel);
        var summary = new SlotSummary(options.Times, options.Lr, options.Impl, options.Optimizer, result.Delta, result.Losses, result.DeltaNorms,
            result.Skipped, result.StopReason, slotMs, Loaded: false);
        return new SlotGeneration(generated with { Timing = generated.Timing with { PromptStageMs = slotMs } }, summary);
    }

    public static string ModelIdOf(string folder)
    {
        var parts = Path.GetFullPath(folder).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int snap = Array.LastIndexOf(parts, "snapshots");
        if (snap > 0 && parts[snap - 1].StartsWith("models--"))
            return parts[snap - 1]["models--".Length..].Replace("--", "/");
        return parts.Length > 0 ? parts[^1] : folder;
    }

    public void Dispose()
    {
        _lmHead32?.Dispose();
        Model.Dispose();
    }
}
