using SlotSharp.Generation;
using SlotSharp.Tests.Oracles;

namespace SlotSharp.Tests.Generation;

/// <summary>Greedy plain generation (times 0) through TestModel, token-identical to the goldens.</summary>
public class GoldenGenerationTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "tiny-qwen2-sharded", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void GreedyTimes0IsTokenIdentical(string model, string prompt)
    {
        var golden = Golden.Load(model);
        var p = golden.Prompt(prompt);
        var gen = p["generate"]!;
        var result = pipelines.Float32(golden).Generate(Golden.Ints(p["input_ids"]), new GenerationOptions
        {
            MaxNewTokens = (int)gen["max_new_tokens"]!,
            StopIds = Golden.Ints(gen["stop_ids"]),
        });
        Assert.Null(result.Slot);
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), result.Generation.GeneratedIds);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void TheSingleSequenceOracleAgrees(string model, string prompt)
    {
        // TokenGenerator is kept as an independent oracle of the decode loop (its own cache and bias handling).
        var golden = Golden.Load(model);
        var p = golden.Prompt(prompt);
        var gen = p["generate"]!;
        var result = new TokenGenerator(ModelCache.Float32(golden)).Generate(Golden.Ints(p["input_ids"]), new GenerationOptions
        {
            MaxNewTokens = (int)gen["max_new_tokens"]!,
            StopIds = Golden.Ints(gen["stop_ids"]),
        });
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), result.GeneratedIds);
    }
}
