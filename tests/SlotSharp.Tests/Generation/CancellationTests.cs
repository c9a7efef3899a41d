using SlotSharp.Backends;
using SlotSharp.Generation;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using SlotSharp.Tests.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Generation;

/// <summary>A cancellation token stops the prefill between chunks and the SLOT stage between steps.</summary>
public class CancellationTests
{
    [SkippableFact]
    public void PrefillStopsAtTheNextChunkOnceCancelled()
    {
        var golden = Golden.Load("stories260K");
        int[] ids = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        using var cancel = new CancellationTokenSource();
        var chunks = new List<int>();
        // Not disposed: the backend would dispose the shared test model.
        var backend = new TorchBackend(ModelCache.Float32(golden))
        {
            PrefillChunk = 8,
            AfterPrefillChunk = done => { chunks.Add(done); cancel.Cancel(); },
        };
        Assert.Throws<OperationCanceledException>(() => backend.Prefill(ids, keepHidden: true, ids.Length, cancel.Token));
        Assert.Equal([8], chunks); // 62 positions would be 8 chunks; only the first ran
    }

    [SkippableFact]
    public void PrefillWithACancelledTokenRunsNoChunk()
    {
        var golden = Golden.Load("stories260K");
        int[] ids = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        var chunks = 0;
        var backend = new TorchBackend(ModelCache.Float32(golden)) { PrefillChunk = 8, AfterPrefillChunk = _ => chunks++ };
        Assert.Throws<OperationCanceledException>(() => backend.Prefill(ids, keepHidden: true, ids.Length, new CancellationToken(true)));
        Assert.Equal(0, chunks);
    }

    [SkippableFact]
    public void SlotLoopStopsAfterTheStepDuringWhichItWasCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var engine = new CountingGradient(onStep: cancel.Cancel);
        Assert.Throws<OperationCanceledException>(() => SlotLoop.Run(engine, times: 1000, hiddenSize: 4, cancel.Token));
        Assert.Equal(1, engine.Steps);
    }

    [SkippableFact]
    public void SlotRunnerWithACancelledTokenThrows()
    {
        var p = SlotProblem.Random(7);
        using var h = p.HTensor(float32);
        using var w = p.WTensor(float32);
        using var runner = new SlotRunner(w, new SlotOptions { Times = 5 });
        Assert.Throws<OperationCanceledException>(() => runner.Run(h, p.Ids, new CancellationToken(true)));
    }

    [SkippableFact]
    public void PipelineSlotStageHonoursTheToken()
    {
        var golden = Golden.Load("stories260K");
        int[] ids = Golden.Ints(golden.Prompt("len8")["input_ids"]);
        using var pipeline = TestModel.Load(golden.ModelDir);
        using var prefill = pipeline.Prefill(ids, new GenerationOptions());
        Assert.Throws<OperationCanceledException>(() => pipeline.RunSlot(prefill, new SlotOptions { Times = 5 }, new CancellationToken(true)));
    }

    sealed class CountingGradient(Action onStep) : ISlotGradient
    {
        public int Steps { get; private set; }
        public double Evaluate(bool withGradient, double[] gradient) => 1.0;
        public void Step(int k, double[] gradient) { Steps++; onStep(); }
        public double[] GetDelta() => new double[4];
        public void SetDelta(double[] delta) { }
        public float[]? TakeLogitBias() => null;
        public void Dispose() { }
    }
}
