using SlotSharp.Engine;
using SlotSharp.Generation;

using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// Sixteen requests for one engine batch: every golden prompt greedy with SLOT off and with SLOT times 5 lr 0.1
/// (expected: golden.json's ids), interleaved with eight neighbours of other lengths, sampled with seeds, some with
/// SLOT, a repetition penalty or ignore_eos (expected: the same request run alone).
/// </summary>
public sealed class MixedBatch
{
    public sealed record Case(string Name, EngineRequest Request, int[]? Golden, int[]? GoldenStopIds = null);

    public IReadOnlyList<Case> Cases { get; }

    MixedBatch(IReadOnlyList<Case> cases) => Cases = cases;

    public static MixedBatch For(Golden golden)
    {
        var prompts = golden.Prompts.ToArray();
        var cases = new List<Case>();
        for (int i = 0; i < 8; i++)
        {
            var p = prompts[i % prompts.Length];
            var ids = Golden.Ints(p["input_ids"]);
            var gen = p["generate"]!;
            bool slot = i >= prompts.Length;
            cases.Add(new Case($"{p["name"]} {(slot ? "SLOT" : "plain")}", new EngineRequest(ids)
            {
                Generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]! },
                Slot = slot ? new SlotOptions { Times = 5, Lr = 0.1 } : null,
            }, Golden.Ints(gen[slot ? "greedy_seed_times5_lr0.1" : "greedy_times0"]), Golden.Ints(gen["stop_ids"])));

            var longest = Golden.Ints(prompts[^1]["input_ids"]);
            var neighbour = longest[..Math.Max(2, longest.Length - 37 * i)];
            cases.Add(new Case($"neighbour {i}", new EngineRequest(neighbour)
            {
                Generation = new GenerationOptions
                {
                    MaxNewTokens = 3 + 5 * i, Temperature = 0.9, TopK = i % 2 == 0 ? 40 : 0, TopP = 0.95, Seed = 100 + i,
                    RepetitionPenalty = i % 3 == 0 ? 1.2 : 1.0,
                },
                IgnoreEos = i % 4 == 1,
                Slot = i % 2 == 0 ? new SlotOptions { Times = 3, Lr = 0.05 } : null,
            }, null));
        }
        return new MixedBatch(cases);
    }

    /// <summary>
    /// Submits all sixteen at once and checks each against its golden, or (with <paramref name="bitExactBatches"/>)
    /// against a solo run on a fresh engine. llama.cpp's batched logits differ from its solo ones in the last bits
    /// (docs/engine.md), which moves a sampled draw now and then, so there only the greedy goldens are compared.
    /// </summary>
    internal void RunAndCheck(TestModel pipeline, EngineOptions options, bool bitExactBatches)
    {
        EngineResult[] batched;
        using (var engine = new SlotEngine(pipeline.Model, options))
        {
            var handles = Cases.Select(c => engine.Submit(c.Request)).ToArray();
            batched = handles.Select(h => h.Completion.GetAwaiter().GetResult()).ToArray();
            Assert.Equal(0, engine.Metrics.KvReserved);
        }
        using var solo = new SlotEngine(pipeline.Model, options);
        for (int i = 0; i < Cases.Count; i++)
        {
            var c = Cases[i];
            Assert.True(batched[i].Error == null, $"{c.Name}: {batched[i].Error}");
            Assert.NotEqual(FinishReason.Error, batched[i].FinishReason);
            if (c.Golden == null && !bitExactBatches) continue;
            var expected = c.Golden ?? solo.Generate(c.Request).GeneratedIds;
            Assert.True(expected.SequenceEqual(batched[i].GeneratedIds),
                $"{c.Name}: expected [{string.Join(", ", expected)}], batched [{string.Join(", ", batched[i].GeneratedIds)}]");
            Assert.Equal(c.Request.Slot is { Times: > 0 }, batched[i].Slot != null);
            if (c.GoldenStopIds is { } stops) // the golden ends either on an end-of-sequence id or at max_new_tokens
                Assert.Equal(stops.Contains(expected[^1]) ? FinishReason.Stop : FinishReason.Length, batched[i].FinishReason);
        }
    }
}
