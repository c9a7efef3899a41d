using SlotSharp.Runtime;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Slot;

/// <summary>The documented upper bounds on SLOT steps and libtorch threads.</summary>
public class SettingLimitTests
{
    [SkippableFact]
    public void TimesAboveTheMaximumIsRefusedNamingTimesAndTheBound()
    {
        Assert.Equal(1000, SlotOptions.MaxTimes);
        new SlotOptions { Times = SlotOptions.MaxTimes }.Resolve();
        var e = Assert.Throws<SlotSharpException>(() => new SlotOptions { Times = 1001 }.Resolve());
        Assert.Contains("'times'", e.Message);
        Assert.Contains("1000", e.Message);
        Assert.Contains("1001", e.Message);
    }

    [SkippableFact]
    public void ThreadsAboveTheMaximumAreRefusedNamingThreadsAndTheBound()
    {
        Assert.Equal(Math.Min(1024, 4 * Environment.ProcessorCount), ComputeOptions.MaxThreads);
        ComputeOptions.CheckThreads(ComputeOptions.MaxThreads);
        ComputeOptions.CheckThreads(0);
        foreach (var bad in new[] { 100_000, ComputeOptions.MaxThreads + 1, -1 })
        {
            var e = Assert.Throws<SlotSharpException>(() => ComputeOptions.CheckThreads(bad));
            Assert.Contains("threads", e.Message);
            Assert.Contains(ComputeOptions.MaxThreads.ToString(), e.Message);
            Assert.Contains(bad.ToString(), e.Message);
        }
        Assert.Throws<SlotSharpException>(() => TorchRuntime.SetThreads(100_000));
    }
}
