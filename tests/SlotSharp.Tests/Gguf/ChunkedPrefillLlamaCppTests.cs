using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Tests.Generation;
using SlotSharp.Tests.Oracles;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// LlamaCppBackend.StartPrefill run chunk by chunk on each shared model's F32 GGUF: in the backend's own batches, on the
/// same empty cache, it is the one-shot prefill bit for bit; in 16-position chunks, also with another sequence decoding between them, it meets
/// the golden; a run disposed half-way gives its sequence id and cells back.
/// </summary>
public class ChunkedPrefillLlamaCppTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    LlamaCppBackend Load(string model, int sequences) =>
        LlamaCppBackend.Load(models.F32(model), new LlamaCppOptions { ContextSize = 1024, MaxSequences = sequences, CacheSequences = 0, Threads = 2 });

    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void ChunkByChunkEqualsTheOneShotPrefillAndTheGolden(string model)
    {
        var golden = Golden.Load(model);
        using var backend = Load(model, sequences: 2);
        foreach (var p in golden.Prompts)
        {
            int[] ids = Golden.Ints(p["input_ids"]);
            // Freed before the next prefill: llama.cpp's bits depend on which other cells the unified cache holds.
            ChunkedPrefill.Output expected;
            using (var sequence = backend.Prefill(ids, keepHidden: true, ids.Length + 1)) expected = ChunkedPrefill.Output.Of(sequence);
            using (var sameChunks = ChunkedPrefill.Run(backend.StartPrefill(ids, keepHidden: true, ids.Length + 1), int.MaxValue))
                ChunkedPrefill.AssertBitIdentical(expected, sameChunks);
            using var small = ChunkedPrefill.Run(backend.StartPrefill(ids, keepHidden: true, ids.Length + 1), chunk: 16);
            ChunkedPrefill.AssertMatchesGolden(p, small);
        }
    }

    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void AnotherSequenceDecodesBetweenTheChunksAndBothMatchTheirGoldens(string model)
    {
        var golden = Golden.Load(model);
        var longPrompt = golden.Prompt("len300");
        var shortPrompt = golden.Prompt("len8");
        int[] longIds = Golden.Ints(longPrompt["input_ids"]), shortIds = Golden.Ints(shortPrompt["input_ids"]);
        using var backend = Load(model, sequences: 2);
        using var decoding = backend.Prefill(shortIds, keepHidden: false, shortIds.Length + 24);
        var generated = new List<int>();
        void DecodeOne() // greedy, as the golden
        {
            int next = Array.IndexOf(decoding.Logits, decoding.Logits.Max());
            generated.Add(next);
            backend.Step([decoding], [next]);
        }
        // Each chunk turns the context's embeddings output on (a SLOT prefill) and each step turns it off again.
        using var prefilled = ChunkedPrefill.Run(backend.StartPrefill(longIds, keepHidden: true, longIds.Length + 1), chunk: 16, DecodeOne);
        ChunkedPrefill.AssertMatchesGolden(longPrompt, prefilled);
        Assert.Equal(300 / 16, generated.Count);
        Assert.Equal(Golden.Ints(shortPrompt["generate"]!["greedy_times0"])[..generated.Count], generated);
    }

    [SkippableFact]
    public void ARunDisposedHalfWayFreesItsSequence()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len60");
        int[] ids = Golden.Ints(p["input_ids"]);
        using var backend = Load("tiny-qwen2", sequences: 1);
        using (var run = backend.StartPrefill(ids, keepHidden: true, ids.Length + 1))
        {
            run.Advance(16);
            run.Advance(16);
            Assert.Throws<SlotSharpException>(() => backend.StartPrefill(ids, keepHidden: false, ids.Length)); // the only id is taken
        }
        // Same id, same positions: cells left behind by the abandoned run would corrupt this prefill's attention.
        using var again = backend.Prefill(ids, keepHidden: true, ids.Length + 24);
        ChunkedPrefill.AssertMatchesGolden(p, again);
        var result = DecodeLoop.Decode(backend, again, new GenerationOptions { MaxNewTokens = 24, StopIds = Golden.Ints(p["generate"]!["stop_ids"]) });
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), result.GeneratedIds);
    }
}
