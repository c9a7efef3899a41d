using System.Text.Json.Nodes;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// Log-probabilities against golden.json's float32 reference logits (log p = logit - logsumexp): the generated
/// token's (last position), the prompt's at the positions the goldens store, and under a SLOT delta; and SLOT's
/// fit_tokens against the stage run on the truncated prompt.
/// </summary>
public class EngineLogprobsTests(EngineBackends backends) : IClassFixture<EngineBackends>
{
    /// <summary>The README's logits bound, doubled: a log-probability carries the logit's error and the normalizer's.</summary>
    const double Tol = 2e-4;

    static EngineRequest Scoring(int[] ids, int top, SlotOptions? slot = null) => new(ids)
    {
        Generation = new GenerationOptions { MaxNewTokens = 1 },
        IgnoreEos = true,
        Logprobs = top,
        PromptLogprobs = true,
        Slot = slot,
    };

    [SkippableTheory]
    [InlineData("torch", "tiny-qwen2")]
    [InlineData("torch", "stories260K")]
    [InlineData("llamacpp", "tiny-qwen2")]
    [InlineData("llamacpp", "stories260K")]
    public void LogprobsOfGeneratedAndPromptTokensMatchTheGoldenLogits(string backend, string model)
    {
        var golden = Golden.Load(model);
        var engine = backends.Engine(backend, golden);
        foreach (var p in golden.Prompts)
        {
            var ids = Golden.Ints(p["input_ids"]);
            var result = engine.Generate(Scoring(ids, top: 5)).ThrowIfFailed();
            string name = (string)p["name"]!;

            var last = p["logits_last"]!;
            var values = Golden.Doubles(last["values"]);
            double lse = (double)last["logsumexp"]!;
            var chosen = Assert.Single(result.Logprobs!);
            Assert.Equal((int)last["argmax"]!, chosen.TokenId);
            Assert.InRange(chosen.Logprob - (values[chosen.TokenId] - lse), -Tol, Tol);
            var expectedTop = Enumerable.Range(0, values.Length).OrderByDescending(v => values[v]).ThenBy(v => v).Take(5).ToArray();
            Assert.Equal(expectedTop, chosen.Top.Select(t => t.TokenId).ToArray());
            for (int k = 0; k < 5; k++) Assert.InRange(chosen.Top[k].Logprob - (values[expectedTop[k]] - lse), -Tol, Tol);

            Assert.Equal(ids.Length - 1, result.PromptLogprobs!.Count);
            foreach (var at in (JsonArray)p["logits_at"]!)
            {
                int position = (int)at!["position"]!;
                if (position >= ids.Length - 1) continue;
                var scored = result.PromptLogprobs[position]; // position t's logits score token t+1
                Assert.Equal(ids[position + 1], scored.TokenId);
                Assert.Equal((int)at["argmax"]!, scored.Top[0].TokenId);
                double atLse = (double)at["logsumexp"]!;
                if (Golden.LogitAt(at, ids[position + 1]) is { } v)
                    Assert.True(Math.Abs(scored.Logprob - (v - atLse)) <= Tol, $"{name} position {position}: {scored.Logprob} vs {v - atLse}");
                Assert.InRange(scored.Top[0].Logprob - (Golden.LogitAt(at, scored.Top[0].TokenId)!.Value - atLse), -Tol, Tol);
            }
        }
    }

    [SkippableTheory]
    [InlineData("torch", "tiny-qwen2")]
    [InlineData("llamacpp", "stories260K")]
    public void UnderSlotTheFirstTokensLogprobIsTheGoldenDeltasLogits(string backend, string model)
    {
        var golden = Golden.Load(model);
        var engine = backends.Engine(backend, golden);
        foreach (var p in golden.Prompts.Where(p => Golden.Ints(p["input_ids"]).Length >= 2))
        {
            var ids = Golden.Ints(p["input_ids"]);
            var result = engine.Generate(Scoring(ids, top: 3, new SlotOptions { Times = 5, Lr = 0.1 })).ThrowIfFailed();
            var at = p["logits_last_with_seed_delta_t5_lr0.1"]!;
            var chosen = Assert.Single(result.Logprobs!);
            Assert.Equal((int)at["argmax"]!, chosen.TokenId);
            // The README's bound for logits from one's own delta (1e-2), plus the normalizer's share.
            Assert.InRange(chosen.Logprob - (Golden.LogitAt(at, chosen.TokenId)!.Value - (double)at["logsumexp"]!), -2e-2, 2e-2);
        }
    }

    /// <summary>
    /// fit_tokens K fits the loss of the first K tokens only, so its delta is the delta of the prompt cut to K tokens
    /// (another prefill: equal within the golden's delta bound), and the later tokens are scored under it: the
    /// generated token after the cut prompt has the log-probability the longer prompt reports for it.
    /// </summary>
    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void FitTokensFitsTheFirstTokensAndScoresTheRestUnderThatDelta(string backend)
    {
        var golden = Golden.Load("stories260K");
        var engine = backends.Engine(backend, golden);
        var ids = Golden.Ints(golden.Prompts.MaxBy(p => Golden.Ints(p["input_ids"]).Length)!["input_ids"]);
        int k = ids.Length / 2;
        var slot = new SlotOptions { Times = 3, Lr = 0.1 };

        var cut = engine.Generate(Scoring(ids[..k], top: 0, slot)).ThrowIfFailed();
        int next = cut.GeneratedIds[0];
        int[] longer = [.. ids[..k], next, .. ids[k..]];
        var fitted = engine.Generate(Scoring(longer, top: 0, slot with { FitTokens = k })).ThrowIfFailed();

        var a = cut.Slot!.Delta;
        var b = fitted.Slot!.Delta;
        double diff = Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum()), norm = Math.Sqrt(a.Sum(x => (double)x * x));
        Assert.True(norm > 0 && diff / norm <= 1e-3, $"fit_tokens delta differs from the cut prompt's by {diff / norm:g3} (relative L2)");
        Assert.Equal(cut.Slot.Losses.Count, fitted.Slot.Losses.Count);
        Assert.InRange(fitted.Slot.Losses[0] - cut.Slot.Losses[0], -1e-5, 1e-5);

        // Position k-1 scores token `next` in both: generated there, echoed here.
        var echoed = fitted.PromptLogprobs![k - 1];
        Assert.Equal(next, echoed.TokenId);
        Assert.InRange(echoed.Logprob - cut.Logprobs![0].Logprob, -1e-3, 1e-3);
        // And the whole-prompt fit would have seen the later tokens: a different delta.
        var whole = engine.Generate(Scoring(longer, top: 0, slot)).ThrowIfFailed();
        Assert.NotEqual(whole.Slot!.Losses[0], fitted.Slot.Losses[0]);
    }

    [SkippableFact]
    public void FitTokensLongerThanThePromptIsRefusedByName()
    {
        var golden = Golden.Load("stories260K");
        var engine = backends.Engine("torch", golden);
        var e = Assert.Throws<SlotSharpException>(() => engine.Submit(new EngineRequest([1, 2, 3]) { Slot = new SlotOptions { FitTokens = 4 } }));
        Assert.Contains("fit_tokens", e.Message);
        e = Assert.Throws<SlotSharpException>(() => engine.Submit(new EngineRequest([1, 2, 3]) { Slot = new SlotOptions { FitTokens = 1 } }));
        Assert.Contains("fit_tokens", e.Message);
    }

    [SkippableFact]
    public void PromptLogprobsBeyondTheEnginesLogitsLimitAreRefused()
    {
        var golden = Golden.Load("stories260K");
        using var model = TestModel.Load(golden.ModelDir);
        using var engine = new SlotEngine(model.Model, new EngineOptions { PromptLogprobsMaxBytes = 512 * 4 * 3 });
        engine.Generate(new EngineRequest([1, 2, 3]) { Logprobs = 0, PromptLogprobs = true, Generation = new GenerationOptions { MaxNewTokens = 1 } }).ThrowIfFailed();
        var e = Assert.Throws<SlotSharpException>(() => engine.Submit(new EngineRequest([1, 2, 3, 4]) { Logprobs = 0, PromptLogprobs = true }));
        Assert.Contains("prompt log-probabilities", e.Message);
    }
}
