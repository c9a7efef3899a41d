using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// n choices of one prompt (<see cref="EngineRequest.Choices"/>): one prefill and one SLOT stage, then each choice on
/// its own fork of the sequence. Choice j must be exactly what the same request alone gives with seed + j (an
/// independent prefill and stage), on both backends, and the forks must give their places and cache back.
/// </summary>
public class EngineChoicesTests(EngineBackends backends) : IClassFixture<EngineBackends>
{
    static EngineRequest Sampled(int[] ids, int seed, int choices, SlotOptions? slot) => new(ids)
    {
        Generation = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.0, TopP = 0.95, Seed = seed },
        IgnoreEos = true,
        Choices = choices,
        Slot = slot,
        Logprobs = 2,
    };

    [SkippableTheory]
    [InlineData("torch", false)]
    [InlineData("torch", true)]
    [InlineData("llamacpp", false)]
    [InlineData("llamacpp", true)]
    public void EachChoiceEqualsTheRequestAloneWithItsSeed(string backend, bool slot)
    {
        var golden = Golden.Load("stories260K");
        // Without the prefix cache: each request alone must be a fresh prefill, bit for bit.
        using var engine = backends.Engine(backend, golden, new EngineOptions { PrefixCache = false });
        var ids = Golden.Ints(golden.Prompts.MaxBy(p => Golden.Ints(p["input_ids"]).Length)!["input_ids"]);
        var settings = slot ? new SlotOptions { Times = 3, Lr = 0.1 } : null;
        var handle = engine.Submit(Sampled(ids, seed: 7, choices: 4, settings));
        var choices = handle.Choices.GetAwaiter().GetResult();
        Assert.Equal(4, choices.Count);
        Assert.Same(choices[0], handle.Completion.GetAwaiter().GetResult());
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(j, choices[j].Choice);
            var alone = engine.Generate(Sampled(ids, seed: 7 + j, choices: 1, settings)).ThrowIfFailed();
            Assert.True(alone.GeneratedIds.SequenceEqual(choices[j].GeneratedIds),
                $"choice {j}: [{string.Join(", ", choices[j].GeneratedIds)}] but alone with seed {7 + j}: [{string.Join(", ", alone.GeneratedIds)}]");
            Assert.Equal(alone.Text, choices[j].Text);
            Assert.Equal(FinishReason.Length, choices[j].FinishReason);
            // TorchSharp steps each sequence alone: bit for bit. llama.cpp's batched logits differ from its solo ones in
            // the last bits (docs/engine.md).
            double tol = backend == "torch" ? 0 : 1e-4;
            foreach (var (a, b) in alone.Logprobs!.Zip(choices[j].Logprobs!)) Assert.InRange(b.Logprob - a.Logprob, -tol, tol);
            if (slot) Assert.Equal(alone.Slot!.Delta, choices[j].Slot!.Delta);
        }
        // Sampling at temperature 1 over 12 tokens: four identical choices would mean the seeds are not applied.
        Assert.True(choices.Select(c => string.Join(",", c.GeneratedIds)).Distinct().Count() > 1);
        Assert.Equal(0, engine.Metrics.KvReserved);
    }

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void PiecesOfEveryChoiceConcatenateToItsText(string backend)
    {
        var golden = Golden.Load("stories260K");
        var engine = backends.Engine(backend, golden);
        var ids = Golden.Ints(golden.Prompts.First()["input_ids"]);
        var handle = engine.Submit(Sampled(ids, seed: 3, choices: 3, null));
        var texts = new System.Text.StringBuilder[3].Select(_ => new System.Text.StringBuilder()).ToArray();
        var logprobs = new int[3];
        foreach (var piece in handle.Pieces.ReadAllAsync().ToBlockingEnumerable())
        {
            Assert.False(piece.Prompt); // no prompt log-probabilities were asked for
            texts[piece.Choice].Append(piece.Text);
            logprobs[piece.Choice] += piece.Logprobs.Count;
        }
        var results = handle.Choices.GetAwaiter().GetResult();
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(results[j].Text, texts[j].ToString());
            Assert.Equal(results[j].GeneratedIds.Length, logprobs[j]);
        }
    }

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void ChoicesWithNoNewTokensAndCancelledChoicesAllEndAndFreeTheirPlaces(string backend)
    {
        var golden = Golden.Load("stories260K");
        var engine = backends.Engine(backend, golden);
        var ids = Golden.Ints(golden.Prompts.First()["input_ids"]);
        var none = engine.Submit(Sampled(ids, 1, 3, null) with { Generation = new GenerationOptions { MaxNewTokens = 0 } }).Choices.GetAwaiter().GetResult();
        Assert.All(none, r => { Assert.Empty(r.GeneratedIds); Assert.Equal(FinishReason.Length, r.FinishReason); });
        Assert.Equal([0, 1, 2], none.Select(r => r.Choice));

        using var cts = new CancellationTokenSource();
        int steps = 0;
        var request = Sampled(ids, 1, 3, null) with { Generation = new GenerationOptions { MaxNewTokens = 50, Seed = 1, Temperature = 1 }, StopWhen = _ => { if (++steps == 4) cts.Cancel(); return false; } };
        var cancelled = engine.Submit(request, cts.Token).Choices.GetAwaiter().GetResult();
        Assert.Equal(3, cancelled.Count);
        Assert.All(cancelled, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.Equal(0, engine.Metrics.KvReserved);
        Assert.Equal(0, engine.Metrics.Running);
        // Every place is free again: as many single requests as the engine runs at once all get through.
        var again = Enumerable.Range(0, 8).Select(i => engine.Submit(Sampled(ids, i, 1, null))).ToArray();
        Assert.All(again, h => Assert.Equal(FinishReason.Length, h.Completion.GetAwaiter().GetResult().FinishReason));
    }

    [SkippableFact]
    public void MoreChoicesThanTheEngineRunsAtOnceAreRefused()
    {
        var golden = Golden.Load("stories260K");
        var engine = backends.Engine("llamacpp", golden); // 8 sequences
        var e = Assert.Throws<SlotSharpException>(() => engine.Submit(new EngineRequest([1, 2, 3]) { Choices = 9 }));
        Assert.Contains("9 choices", e.Message);
    }
}
