using SlotSharp.Pipeline;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests;

/// <summary>
/// One float32 <see cref="SlotPipeline"/> per shared model for a test class: the golden generation tests run through
/// the same composition path as the CLI, the evaluators and the server. A class's tests run one at a time, so the
/// pipelines are never driven concurrently.
/// </summary>
public sealed class PipelineFixture : IDisposable
{
    readonly Dictionary<string, SlotPipeline> _pipelines = new();

    public SlotPipeline Float32(Golden golden)
    {
        if (!_pipelines.TryGetValue(golden.ModelDir, out var p))
            _pipelines[golden.ModelDir] = p = SlotPipeline.Load(golden.ModelDir, new ComputeOptions(CPU, ScalarType.Float32));
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _pipelines.Values) p.Dispose();
    }
}
