namespace SlotSharp.Tests.Slot;

/// <summary>Argument checks of `slot bench slot` (the benchmark itself is run by hand; see docs/benchmarks.md).</summary>
public class BenchSlotCommandTests
{
    [SkippableTheory]
    [InlineData("--shapes", "qwen9-1b", "--shapes")]
    [InlineData("--lengths", "1", "--lengths")]
    [InlineData("--repeat", "0", "--repeat")]
    [InlineData("--times", "-1", "'times'")]
    public void BadArgumentsExitWithTwoNamingTheArgument(string option, string value, string named)
    {
        var (code, _, stderr) = SlotProcess.Run("bench", "slot", option, value);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains(named, stderr);
    }
}
