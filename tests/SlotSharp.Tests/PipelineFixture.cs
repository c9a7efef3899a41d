
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests;

/// <summary>
/// One float32 <see cref="TestModel"/> per shared model for a test class: the golden generation tests run through
/// the same composition path as the CLI, the evaluators and the server. A class's tests run one at a time, so the
/// pipelines are never driven concurrently.
/// </summary>
public sealed class PipelineFixture : IDisposable
{
    readonly Dictionary<string, TestModel> _pipelines = new();

    internal TestModel Float32(Golden golden)
    {
        if (!_pipelines.TryGetValue(golden.ModelDir, out var p))
            _pipelines[golden.ModelDir] = p = TestModel.Load(golden.ModelDir);
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _pipelines.Values) p.Dispose();
    }
}
