using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Evaluation;

/// <summary>
/// The model behind `slot eval`, on a <see cref="SlotEngine"/>: each prompt is rendered with the
/// model's chat template, tokenized (with special tokens only when the prompt asks: lighteval tasks do, GSM8K does not)
/// and submitted with the sweep's SLOT settings as branches, so it is prefilled once and decoded once per setting (each
/// runs its own prompt stage on the same hidden states H). The prompts of a batch are submitted together and decode in
/// one engine batch. They are independent (own delta, own Adam state, own sampling seed): on TorchSharp any batch size
/// gives the results of batch size 1 exactly; on llama.cpp batched logits differ from solo ones in the last bits
/// (docs/engine.md). A prompt that would run past max_position_embeddings is refused (ContextLengthException) unless
/// <paramref name="allowLongContext"/>.
/// </summary>
public sealed partial class EngineEvalModel(SlotEngine engine, SlotOptions slotTemplate, bool allowLongContext = false) : IEvalModel
{
    sealed record Prepared(string Text, EngineRequest Request);

    readonly RequestBuilder _requests = new(engine.Model);
    SlotModel? _ownedModel;

    /// <summary>The engine's counters (the prefix cache's hits among them), for a run's closing report.</summary>
    public EngineMetrics EngineMetrics => engine.Metrics;

    /// <summary>
    /// Loads the model through <see cref="ModelLoader"/> and starts its engine, batching up to the request's batch size
    /// (llama.cpp sequences included); both are disposed with the returned instance.
    /// </summary>
    public static EngineEvalModel Load(EvalModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var load = request.Load ?? new ModelLoadOptions();
        int batch = Math.Max(1, request.MaxBatchSize);
        if (load.LlamaCpp.MaxSequences < batch) load = load with { LlamaCpp = load.LlamaCpp with { MaxSequences = batch } };
        var model = SlotModel.Load(request.Model, load);
        try
        {
            var engine = new SlotEngine(model, SlotEngine.DefaultOptions(model) with { PrefixCache = request.PrefixCache });
            return new EngineEvalModel(engine, request.Slot ?? new SlotOptions(), request.AllowLongContext) { _ownedModel = model };
        }
        catch { model.Dispose(); throw; }
    }

    public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        var branches = settings.Select(s => (SlotOptions?)(slotTemplate with { Times = s.Times, Lr = s.LearningRate })).ToArray();
        var prepared = batch.Select(p => Prepare(p, generation)).ToArray();
        var pending = new List<Task<IReadOnlyList<EngineResult>>>(batch.Count);
        using var abandon = new CancellationTokenSource();
        try
        {
            foreach (var p in prepared) pending.Add(engine.SubmitBranches(p.Request, branches, abandon.Token));
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
        string text = _requests.RenderChat(messages);
        // The rendered text is reported too, so it is encoded as rendered (the template runs once).
        int[] ids = _requests.Encode(PromptInput.FromText(text) with { AddSpecialTokens = prompt.AddSpecialTokens });
        var options = _requests.DefaultGeneration with
        {
            MaxNewTokens = MaxNewTokens(generation, ids.Length),
            Temperature = generation.DoSample ? generation.Temperature : 0,
            TopP = generation.DoSample ? generation.TopP : 1.0,
            Seed = (int)(prompt.SamplingSeed & int.MaxValue),
            // model.generate(do_sample=False) still applies generation_config.json's repetition_penalty (the default's).
            AllowLongContext = allowLongContext,
        };
        return new Prepared(text, _requests.Build(PromptInput.FromIds(ids), options)); // stops at the model's eos ids
    }

    /// <summary>
    /// One completion per branch. The prefill is shared by the branches and the decode steps by the batch's prompts,
    /// so each completion reports its share of both (the sum over a call stays close to its wall time).
    /// </summary>
    static IReadOnlyList<EvalCompletion> Completions(Prepared prepared, IReadOnlyList<EngineResult> branches, int batchSize)
    {
        var completions = new List<EvalCompletion>(branches.Count);
        foreach (var r in branches)
        {
            r.ThrowIfFailed();
            if (r.FinishReason == FinishReason.Cancelled) throw new OperationCanceledException("the engine stopped before the evaluation finished");
            var t = r.Timings;
            completions.Add(new EvalCompletion(
                r.Text, r.GeneratedIds.Length, r.PromptIds.Length,
                r.Slot?.Losses ?? [], new EvalTimings(t.PrefillMs / 1000.0 / branches.Count, t.SlotStageMs / 1000.0, t.DecodeMs / 1000.0 / batchSize))
            { PromptText = prepared.Text });
        }
        return completions;
    }

    /// <summary>The token budget after the model-length cap (at least 1, as vLLM always produces a token).</summary>
    static int MaxNewTokens(EvalGeneration generation, int promptTokens) =>
        generation.MaxModelLength is { } cap ? Math.Max(1, Math.Min(generation.MaxNewTokens, cap - promptTokens)) : generation.MaxNewTokens;

    /// <summary>Stops the engine and frees the model when <see cref="Load"/> made them; otherwise they belong to their maker.</summary>
    public void Dispose()
    {
        if (_ownedModel == null) return;
        engine.Dispose();
        _ownedModel.Dispose();
        _ownedModel = null;
    }
}
