using SlotSharp.Backends;

namespace SlotSharp.Tests.Generation;

/// <summary>
/// TorchBackend.StartPrefill run chunk by chunk: the same sequence as a one-shot prefill with that chunk size, bit for
/// bit, and the golden's logits and hidden states within tolerance.
/// </summary>
public class ChunkedPrefillTorchTests
{
    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void ChunkByChunkEqualsTheOneShotPrefillAndTheGolden(string model, string prompt)
    {
        var golden = Golden.Load(model);
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["input_ids"]);
        // Not disposed: a backend disposes its model, and this one is shared by the test run.
        var oneShot = new TorchBackend(ModelCache.Float32(golden)) { PrefillChunk = 16 };
        var stepwise = new TorchBackend(ModelCache.Float32(golden));
        ChunkedPrefill.Output expected;
        using (var sequence = oneShot.Prefill(ids, keepHidden: true, ids.Length + 1)) expected = ChunkedPrefill.Output.Of(sequence);
        using var actual = ChunkedPrefill.Run(stepwise.StartPrefill(ids, keepHidden: true, ids.Length + 1), chunk: 16);
        ChunkedPrefill.AssertBitIdentical(expected, actual);
        ChunkedPrefill.AssertMatchesGolden(p, actual);

        using var withoutHidden = ChunkedPrefill.Run(stepwise.StartPrefill(ids, keepHidden: false, ids.Length + 1), chunk: 16);
        Assert.Null(withoutHidden.PromptHidden);
        Assert.Equal(expected.Logits, withoutHidden.Logits);
    }

    [SkippableFact]
    public void AChunkNeverExceedsTheBackendsOwnPassLimit()
    {
        var golden = Golden.Load("stories260K");
        int[] ids = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        var backend = new TorchBackend(ModelCache.Float32(golden)) { PrefillChunk = 8 };
        using var run = backend.StartPrefill(ids, keepHidden: false, ids.Length);
        Assert.Equal(8, run.Advance(1000));
        Assert.Equal(5, run.Advance(5));
        Assert.Throws<InvalidOperationException>(() => run.Complete()); // 13 of 62 positions
        Assert.Throws<SlotSharpException>(() => run.Advance(0));
    }
}
