using SlotSharp.Generation;

namespace SlotSharp.Tests.ChatClients;

public class StopStringFilterTests
{
    [SkippableFact]
    public void CutsAtAStopSequenceSplitAcrossDeltas()
    {
        var filter = new StopStringFilter(["STOP"]);
        Assert.Equal("Hel", filter.Push("Hel"));
        Assert.Equal("lo ", filter.Push("lo ST")); // "ST" may start "STOP": held back
        Assert.False(filter.Stopped);
        Assert.Equal("", filter.Push("OP tail"));
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Push("more"));
        Assert.Equal("", filter.Flush());
    }

    [SkippableFact]
    public void ReleasesHeldTextThatDidNotBecomeAStop()
    {
        var filter = new StopStringFilter(["STOP"]);
        Assert.Equal("a ", filter.Push("a ST"));
        Assert.Equal("STAR", filter.Push("AR"));
        Assert.Equal("", filter.Push("S"));
        Assert.Equal("S", filter.Flush());
        Assert.False(filter.Stopped);
    }

    [SkippableFact]
    public void TheEarliestOfSeveralStopsWins()
    {
        var filter = new StopStringFilter(["world", "lo w"]);
        Assert.Equal("hel", filter.Push("hello world"));
        Assert.True(filter.Stopped);
    }

    [SkippableFact]
    public void WithoutStopsTextPassesThrough()
    {
        var filter = new StopStringFilter([]);
        Assert.Equal("abc", filter.Push("abc"));
        Assert.Equal("", filter.Flush());
    }
}
