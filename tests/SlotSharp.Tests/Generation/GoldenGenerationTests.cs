using SlotSharp.Generation;

namespace SlotSharp.Tests.Generation;

public class GoldenGenerationTests
{
    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "tiny-qwen2-sharded", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void GreedyTimes0IsTokenIdentical(string model, string prompt)
    {
        var golden = Golden.Load(model);
        Skip.If(prompt == "(missing)");
        var p = golden.Prompt(prompt);
        var gen = p["generate"]!;
        var lm = ModelCache.Float32(golden);
        var result = new TokenGenerator(lm).Generate(Golden.Ints(p["input_ids"]), new GenerationOptions
        {
            MaxNewTokens = (int)gen["max_new_tokens"]!,
            StopIds = Golden.Ints(gen["stop_ids"]),
        });
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), result.GeneratedIds);
    }
}
