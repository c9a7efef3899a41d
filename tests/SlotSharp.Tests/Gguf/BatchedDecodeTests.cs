using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tests.Oracles;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// Several sequences decoded in one llama.cpp batch, each with its own SLOT bias (or none), against the goldens: the
/// batch must not change any sequence's greedy ids. The goldens are independent of both the batch and the solo run.
/// </summary>
public class BatchedDecodeTests : IClassFixture<ConvertedModels>
{
    readonly ConvertedModels _models;
    public BatchedDecodeTests(ConvertedModels models) => _models = models;

    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void FourSequencesInOneBatchEachMatchTheirGolden(string model)
    {
        var golden = Golden.Load(model);
        var prompts = golden.Prompts.Where(p => Golden.Ints(p["input_ids"]).Length >= 2).Take(4).ToArray();
        Skip.If(prompts.Length < 2, "needs prompts of two or more tokens");
        using var backend = LlamaCppBackend.Load(_models.F32(model), new LlamaCppOptions { ContextSize = 2048, MaxSequences = 8, Threads = 2 });
        var sequences = new List<BackendSequence>();
        try
        {
            var requests = new List<DecodeRequest>();
            var expected = new List<int[]>();
            for (int i = 0; i < prompts.Length; i++)
            {
                int[] ids = Golden.Ints(prompts[i]["input_ids"]);
                var gen = prompts[i]["generate"]!;
                var seq = backend.Prefill(ids, keepHidden: true, expectedLength: ids.Length + 24);
                sequences.Add(seq);
                bool withSlot = i % 2 == 0; // SLOT on and off side by side
                float[]? bias = null;
                if (withSlot)
                {
                    bias = SlotRuns.RunToEnd(backend.SlotMath, seq, new SlotOptions { Times = 5, Lr = 0.1 }).LogitBias;
                }
                requests.Add(new DecodeRequest(seq, new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]!, StopIds = Golden.Ints(gen["stop_ids"]) }, bias));
                expected.Add(Golden.Ints(gen[withSlot ? "greedy_seed_times5_lr0.1" : "greedy_times0"]));
            }
            var results = DecodeLoop.DecodeAll(backend, requests);
            for (int i = 0; i < results.Count; i++)
                Assert.True(expected[i].SequenceEqual(results[i].GeneratedIds), $"{prompts[i]["name"]}: batched ids differ from the golden");
        }
        finally
        {
            foreach (var s in sequences) s.Dispose();
        }
    }
}
