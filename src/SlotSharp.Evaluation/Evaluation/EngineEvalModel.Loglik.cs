using SlotSharp.Engine;
using SlotSharp.Evaluation.Loglik;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Evaluation;

/// <summary>
/// The log-likelihood tasks' side of the engine model: each (context, continuation) is tokenized as
/// lm-evaluation-harness's _encode_pair does and submitted as one prompt with its prompt log-probabilities asked for
/// (<see cref="EngineRequest.PromptLogprobs"/>), the path the server's echo + logprobs takes, once per setting, with
/// SLOT fitted on the context tokens only (<see cref="SlotOptions.FitTokens"/>).
/// </summary>
public sealed partial class EngineEvalModel : ILoglikModel
{
    IReadOnlyList<IReadOnlyList<LoglikScore>> ILoglikModel.Score(IReadOnlyList<LoglikRequest> batch, IReadOnlyList<SlotSetting> settings, int heldOut)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(heldOut);
        var encoded = batch.Select(Encode).ToArray();
        // One engine request per (request, setting): the engine reports prompt log-probabilities for plain requests
        // only. They are all submitted at once, so the prefix cache shares a context's prefill (its KV and logits rows)
        // among the choices and settings that start with it.
        var pending = new List<Task<EngineResult>>(batch.Count * settings.Count);
        using var abandon = new CancellationTokenSource();
        try
        {
            foreach (var (ids, context) in encoded)
            {
                var request = _requests.Build(PromptInput.FromIds(ids), new GenerationOptions { MaxNewTokens = 0, Temperature = 0, AllowLongContext = allowLongContext })
                    with { PromptLogprobs = true, Logprobs = 1 };
                foreach (var slot in Fits(settings, context, heldOut))
                    pending.Add(engine.Submit(request with { Slot = slot }, abandon.Token).Completion);
            }
        }
        catch
        {
            abandon.Cancel();
            Task.WaitAll(pending);
            throw;
        }
        return encoded.Select((e, i) => Enumerable.Range(0, settings.Count)
            .Select(k => Score(pending[i * settings.Count + k].GetAwaiter().GetResult(), e.ContextTokens, heldOut)).ToArray())
            .ToArray();
    }

    /// <summary>
    /// lm-evaluation-harness's _encode_pair for a causal model: trailing whitespace of the context moves to the
    /// continuation, the context is encoded alone and context + continuation whole, and the continuation's tokens are
    /// the whole encoding's past the context's length. The scored prompt is the context's encoding followed by those.
    /// Both encodings get the tokenizer's special tokens, as the harness's tok_encode leaves transformers' default on.
    /// </summary>
    internal (int[] Ids, int ContextTokens) Encode(LoglikRequest request)
    {
        if (request.Context.Length == 0) throw new SlotSharpException("a log-likelihood request needs a non-empty context");
        string context = request.Context, continuation = request.Continuation;
        int spaces = context.Length - PythonText.RStrip(context).Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        var whole = _requests.Encode(PromptInput.FromText(context + continuation));
        var contextIds = _requests.Encode(PromptInput.FromText(context));
        int[] ids = [.. contextIds, .. whole.Skip(contextIds.Length)];
        return (ids, contextIds.Length);
    }

    /// <summary>Each setting's SLOT options: fit the context minus the held-out tokens (null: times 0, no stage).</summary>
    IReadOnlyList<SlotOptions?> Fits(IReadOnlyList<SlotSetting> settings, int contextTokens, int heldOut)
    {
        int fit = contextTokens - heldOut;
        if (heldOut > 0 && fit < 1)
            throw new SlotSharpException($"holding out {heldOut} tokens leaves nothing of this {contextTokens}-token context to fit");
        return settings.Select(s =>
        {
            if (s.Times == 0) return null;
            if (fit < 2) throw new SlotSharpException($"SLOT needs at least 2 context tokens to fit, this request leaves {fit}");
            return (SlotOptions?)(slotTemplate with { Times = s.Times, Lr = s.LearningRate, FitTokens = fit });
        }).ToArray();
    }

    static LoglikScore Score(EngineResult r, int contextTokens, int heldOut)
    {
        r.ThrowIfFailed();
        if (r.FinishReason == FinishReason.Cancelled) throw new OperationCanceledException("the engine stopped before the evaluation finished");
        // PromptLogprobs[k] scores prompt token k + 1: the continuation's tokens are entries contextTokens - 1 on.
        var prompt = r.PromptLogprobs ?? throw new InvalidOperationException("the engine returned no prompt log-probabilities");
        var scored = prompt.Skip(contextTokens - 1).ToList();
        // The held-out tokens are context tokens contextTokens - M .. contextTokens - 1, scored by entries one lower.
        double? heldOutLoss = heldOut > 0 ? -prompt.Skip(contextTokens - heldOut - 1).Take(heldOut).Average(t => t.Logprob) : null;
        double sum = 0;
        foreach (var t in scored) sum += t.Logprob;
        bool greedy = scored.All(t => t.Top.Count > 0 && t.Top[0].TokenId == t.TokenId);
        var timings = r.Timings;
        return new LoglikScore(sum, greedy, contextTokens, scored.Count, r.Slot?.Losses ?? [],
            new EvalTimings(timings.PrefillMs / 1000.0, timings.SlotStageMs / 1000.0, 0)) // a prefix-cache hit prefills less
        { TokenLogprobs = scored.Select(t => t.Logprob).ToList(), HeldOutLoss = heldOutLoss };
    }
}
