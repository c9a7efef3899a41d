using SlotSharp.Engine;

namespace SlotSharp.Tests.Engine;

/// <summary>The engine's mixed batch on the TorchSharp backend (float32 reference) against the goldens.</summary>
public class EngineBatchTorchTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    [SkippableTheory]
    [InlineData("tiny-qwen2")]
    [InlineData("stories260K")]
    public void SixteenMixedRequestsEachMatchGoldenOrSolo(string model)
    {
        var golden = Golden.Load(model);
        MixedBatch.For(golden).RunAndCheck(pipelines.Float32(golden), new EngineOptions { MaxRunning = 16 }, bitExactBatches: true);
    }
}
