using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Evaluation;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Pipeline;

/// <summary>
/// The real engine behind `slot eval`, on the pipeline's <see cref="SlotEngine"/>: each prompt is rendered with the
/// model's chat template, tokenized (with special tokens only when the prompt asks: lighteval tasks do, GSM8K does not)
/// and submitted with the sweep's SLOT settings as branches, so it is prefilled once and decoded once per setting (each
/// runs its own prompt stage on the same hidden states H). The prompts of a batch are submitted together and decode in
/// one engine batch. They are independent (own delta, own Adam state, own sampling seed): on TorchSharp any batch size
/// gives the results of batch size 1 exactly; on llama.cpp batched logits differ from solo ones in the last bits
/// (docs/engine.md). A prompt that would run past max_position_embeddings is refused (ContextLengthException) unless
/// <paramref name="allowLongContext"/>.
/// </summary>
public sealed class PipelineEvalEngine(SlotPipeline pipeline, SlotOptions slotTemplate, bool ownsPipeline = true,
    bool allowLongContext = false) : IEvalEngine
{
    sealed record Prepared(string Text, EngineRequest Request);

    public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        var branches = settings.Select(s => (SlotOptions?)(slotTemplate with { Times = s.Times, Lr = s.LearningRate })).ToArray();
        var prepared = batch.Select(p => Prepare(p, generation)).ToArray();
        var pending = new List<Task<IReadOnlyList<EngineResult>>>(batch.Count);
        using var abandon = new CancellationTokenSource();
        try
        {
            foreach (var p in prepared) pending.Add(pipeline.Engine.SubmitBranches(p.Request, branches, abandon.Token));
        }
        catch
        {
            // A prompt refused at submission fails the call; the ones already queued must not keep the engine busy.
            abandon.Cancel();
            Task.WaitAll(pending);
            throw;
        }
        return prepared.Select((p, i) => Completions(p, pending[i].GetAwaiter().GetResult(), batch.Count)).ToArray();
    }

    Prepared Prepare(EvalPrompt prompt, EvalGeneration generation)
    {
        var messages = prompt.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList();
        string text = pipeline.Chat.Render(messages, addGenerationPrompt: true);
        int[] ids = pipeline.Tokenizer.Encode(text, prompt.AddSpecialTokens);
        var options = new GenerationOptions
        {
            MaxNewTokens = MaxNewTokens(generation, ids.Length),
            Temperature = generation.DoSample ? generation.Temperature : 0,
            TopP = generation.DoSample ? generation.TopP : 1.0,
            Seed = (int)(prompt.SamplingSeed & int.MaxValue),
            // model.generate(do_sample=False) still applies generation_config.json's repetition_penalty.
            RepetitionPenalty = pipeline.DefaultRepetitionPenalty,
            AllowLongContext = allowLongContext,
        };
        return new Prepared(text, new EngineRequest(ids) { Generation = options }); // stops at the pipeline's eos ids
    }

    /// <summary>
    /// One completion per branch. The prefill is shared by the branches and the decode steps by the batch's prompts,
    /// so each completion reports its share of both (the sum over a call stays close to its wall time).
    /// </summary>
    IReadOnlyList<EvalCompletion> Completions(Prepared prepared, IReadOnlyList<EngineResult> branches, int batchSize)
    {
        var completions = new List<EvalCompletion>(branches.Count);
        foreach (var r in branches)
        {
            r.ThrowIfFailed();
            if (r.FinishReason == FinishReason.Cancelled) throw new OperationCanceledException("the engine stopped before the evaluation finished");
            var t = r.Timings;
            completions.Add(new EvalCompletion(
                pipeline.Tokenizer.Decode(r.GeneratedIds, skipSpecialTokens: true), r.GeneratedIds.Length, r.PromptIds.Length,
                r.Slot?.Losses ?? [], new EvalTimings(t.PrefillMs / 1000.0 / branches.Count, t.SlotStageMs / 1000.0, t.DecodeMs / 1000.0 / batchSize))
            { PromptText = prepared.Text });
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
