namespace SlotSharp.Tests.Ownership;

/// <summary>
/// Generations while another thread forces garbage collections and finalizers nonstop: an unheld TorchSharp Scalar is
/// then finalized (its native c10::Scalar freed) as early as the runtime allows, which is how the Scalar.h assertion
/// in RmsNorm.Forward came about. Every run must still produce the golden tokens.
/// </summary>
public class ScalarFinalizerStressTests
{
    [SkippableFact]
    public void GenerationsUnderConstantFinalizationMatchTheGolden()
    {
        using var runs = new TinyQwenRuns();
        using var stop = new CancellationTokenSource();
        var collector = Task.Factory.StartNew(() =>
        {
            // Generation-0 collections: an implicit Scalar is young, and they are cheap enough to run back to back.
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
            }
        }, TaskCreationOptions.LongRunning);
        try
        {
            const int tokens = 3;
            for (int i = 0; i < 200; i++)
            {
                bool slot = i % 8 == 7; // mostly prefill and decoding (the per-token path), some SLOT prompt stages
                Assert.Equal(runs.Expected(slot, tokens), runs.Generate(slot, tokens));
            }
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
    }
}
