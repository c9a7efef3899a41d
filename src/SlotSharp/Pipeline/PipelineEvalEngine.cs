using SlotSharp.Chat;
using SlotSharp.Evaluation;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Pipeline;

/// <summary>
/// The real engine behind `slot eval`: each prompt is rendered with the model's chat template, tokenized (with special
/// tokens only when the prompt asks: lighteval tasks do, GSM8K does not), prefilled once, and then decoded once per SLOT setting of the sweep (each setting runs its own
/// prompt stage on the same hidden states H and rewinds the KV cache to the prompt).
/// Prompts of a batch are independent (own delta, own Adam state, own sampling seed), so any batch size gives the
/// results of batch size 1. A prompt that would run past max_position_embeddings is refused (ContextLengthException)
/// unless <paramref name="allowLongContext"/>.
/// </summary>
public sealed class PipelineEvalEngine(SlotPipeline pipeline, SlotOptions slotTemplate, bool ownsPipeline = true,
    bool allowLongContext = false) : IEvalEngine
{
    public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        var results = new List<IReadOnlyList<EvalCompletion>>(batch.Count);
        foreach (var prompt in batch) results.Add(CompleteOne(prompt, settings, generation));
        return results;
    }

    IReadOnlyList<EvalCompletion> CompleteOne(EvalPrompt prompt, IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        var messages = prompt.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList();
        string text = pipeline.Chat.Render(messages, addGenerationPrompt: true);
        int[] ids = pipeline.Tokenizer.Encode(text, prompt.AddSpecialTokens);
        int maxNew = MaxNewTokens(generation, ids.Length);
        var options = new GenerationOptions
        {
            MaxNewTokens = maxNew,
            Temperature = generation.DoSample ? generation.Temperature : 0,
            TopP = generation.DoSample ? generation.TopP : 1.0,
            Seed = (int)(prompt.SamplingSeed & int.MaxValue),
            StopIds = pipeline.StopIds.ToArray(),
            // model.generate(do_sample=False) still applies generation_config.json's repetition_penalty.
            RepetitionPenalty = pipeline.DefaultRepetitionPenalty,
            AllowLongContext = allowLongContext,
        };
        using var prefill = pipeline.Prefill(ids, options, keepHidden: settings.Any(s => s.Times > 0));
        double prefillShare = prefill.PrefillMilliseconds / 1000.0 / settings.Count;
        var completions = new List<EvalCompletion>(settings.Count);
        foreach (var setting in settings)
        {
            var run = pipeline.Continue(prefill, options, slotTemplate with { Times = setting.Times, Lr = setting.LearningRate });
            var g = run.Generation;
            completions.Add(new EvalCompletion(
                pipeline.Tokenizer.Decode(g.GeneratedIds, skipSpecialTokens: true), g.GeneratedIds.Length, ids.Length,
                run.Slot?.Losses ?? [], new EvalTimings(prefillShare, g.Timing.PromptStageMs / 1000.0, g.Timing.DecodeMs / 1000.0))
            { PromptText = text });
        }
        return completions;
    }

    /// <summary>The token budget after the model-length cap (at least 1, as vLLM always produces a token).</summary>
    static int MaxNewTokens(EvalGeneration generation, int promptTokens) =>
        generation.MaxModelLength is { } cap ? Math.Max(1, Math.Min(generation.MaxNewTokens, cap - promptTokens)) : generation.MaxNewTokens;

    public void Dispose()
    {
        if (ownsPipeline) pipeline.Dispose();
    }
}

/// <summary>
/// Builds the engine for <c>slot eval</c>: the model pipeline, unless a test has set <see cref="Override"/>.
/// </summary>
public static class EvalEngineFactory
{
    /// <summary>Test seam: a fake engine instead of loading a model.</summary>
    public static Func<EvalEngineRequest, IEvalEngine>? Override { get; set; }

    public static IEvalEngine Create(EvalEngineRequest request)
    {
        if (Override is { } build) return build(request);
        var compute = request.Compute ?? SlotSharp.Runtime.ComputeOptions.Parse("cpu", null);
        return new PipelineEvalEngine(SlotPipeline.Load(request.ModelPath, compute), request.Slot ?? new SlotOptions(),
            allowLongContext: request.AllowLongContext);
    }
}
