using SlotSharp.Backends;
using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tests.Oracles;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests;

/// <summary>What one test generation produced: the tokens and, when SLOT ran, its trajectory.</summary>
internal sealed record SlotGeneration(GenerationResult Generation, SlotSummary? Slot);

/// <summary>
/// A <see cref="SlotModel"/> with the engine tests submit to: the engine already driving the model (a server's), or
/// one of its own started on first use. <see cref="Generate"/> stops only at the stop ids it is given (the goldens
/// list them), so each golden fixes its own end-of-sequence ids. Prefill and RunSlot drive the backend directly and
/// must not overlap a running request.
/// </summary>
internal sealed class TestModel : IDisposable
{
    SlotEngine? _own;

    public TestModel(SlotModel model) => Model = model;

    /// <summary>float32 on the CPU, as the goldens were computed.</summary>
    public static readonly ModelLoadOptions Fp32 = new() { DType = "fp32", Device = "cpu" };

    public static TestModel Load(string path, ModelLoadOptions? options = null) => new(SlotModel.Load(path, options ?? Fp32));

    public SlotModel Model { get; }
    public SlotEngine Engine => Model.CurrentEngine ?? (_own ??= new SlotEngine(Model));

    /// <summary>
    /// A new engine with <paramref name="options"/>, the caller's to dispose; the model's own engine is stopped first and
    /// <see cref="Engine"/> starts a fresh one after this one is gone.
    /// </summary>
    public SlotEngine NewEngine(SlotSharp.Engine.EngineOptions options)
    {
        _own?.Dispose();
        _own = null;
        return new SlotEngine(Model, options);
    }
    public IModelBackend Backend => Model.Backend;
    public ITokenizer Tokenizer => Model.Tokenizer;
    public IReadOnlyList<int> StopIds => Model.EosIds;
    public double DefaultRepetitionPenalty => Model.DefaultRepetitionPenalty;
    public int HiddenSize => Model.HiddenSize;
    public string ModelId => Model.ModelId;
    public Action<string> Warn { get => Model.Warn; set => Model.Warn = value; }
    public ChatTemplate Chat => Model.Chat;
    public int[] EncodeText(string text) => new RequestBuilder(Model).Encode(PromptInput.FromText(text));
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages) => new RequestBuilder(Model).Encode(PromptInput.FromMessages(messages));

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, GenerationOptions generation, bool keepHidden = true, CancellationToken cancel = default) =>
        Model.Prefill(promptIds, generation, keepHidden, cancel);

    /// <summary>The whole SLOT prompt stage on a prefill, through the backend's own SLOT math as the engine runs it.</summary>
    public SlotOutcome RunSlot(BackendSequence prefill, SlotOptions options, CancellationToken cancel = default) =>
        SlotRuns.RunToEnd(Backend.SlotMath, prefill, options, Warn, cancel);

    /// <summary>
    /// One request through <see cref="Engine"/>, ending at <paramref name="generation"/>'s stop ids only; errors and a
    /// cancellation before the first token are thrown, as callers that want exceptions see them.
    /// </summary>
    public SlotGeneration Generate(IReadOnlyList<int> promptIds, GenerationOptions generation, SlotOptions? slot = null,
        float[]? loadedDelta = null, Action<int>? onToken = null, Action<float[]>? onBias = null, CancellationToken cancel = default)
    {
        var request = new EngineRequest(promptIds)
        {
            Generation = generation, IgnoreEos = true, Slot = slot, LoadedDelta = loadedDelta, OnLogitBias = onBias,
        };
        var result = Engine.Generate(request, onToken, cancel).ThrowIfFailed(cancel);
        var t = result.Timings;
        var timing = new GenerationTiming(t.PrefillMs, t.SlotStageMs, t.DecodeMs, Math.Max(0, result.GeneratedIds.Length - 1));
        return new SlotGeneration(new GenerationResult(result.PromptIds, result.GeneratedIds, timing, result.FinishReason == FinishReason.Stop), result.Slot);
    }

    public void Dispose()
    {
        _own?.Dispose();
        Model.Dispose();
    }
}
