using SlotSharp.Backends;
using SlotSharp.Engine;

using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// The engine's mixed batch on llama.cpp (the F32 GGUF of each shared model): sixteen sequences share every
/// llama_decode, and each greedy golden request must still produce the float32 reference's ids.
/// </summary>
public class EngineBatchLlamaCppTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void SixteenMixedRequestsEachMatchGoldenOrSolo(string model)
    {
        var golden = Golden.Load(model);
        using var pipeline = TestModel.Load(models.F32(model), new ModelLoadOptions
        {
            LlamaCpp = new LlamaCppOptions { ContextSize = 8192, MaxSequences = 16, Threads = 2 },
        });
        pipeline.Warn = _ => { };
        MixedBatch.For(golden).RunAndCheck(pipeline, new EngineOptions { MaxRunning = 16 }, bitExactBatches: false);
    }

    /// <summary>Branches rewind a llama.cpp sequence (its KV cells) to the prompt between SLOT settings.</summary>
    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void EveryBranchOfEveryGoldenPromptMatchesItsGolden(string model)
    {
        var golden = Golden.Load(model);
        using var pipeline = TestModel.Load(models.F32(model), new ModelLoadOptions
        {
            LlamaCpp = new LlamaCppOptions { ContextSize = 8192, MaxSequences = 16, Threads = 2 },
        });
        pipeline.Warn = _ => { };
        EngineBranchTests.CheckEveryBranch(pipeline.Engine, golden);
    }
}
