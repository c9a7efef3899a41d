namespace SlotSharp.Tests;

public class SharedAssetsTests
{
    [Fact]
    public void MissingAssetSkipsLocallyButFailsWhenCiRequiresSharedAssets()
    {
        Assert.Throws<SkipException>(() => SharedAssets.Missing("asset x is missing", null));
        var e = Assert.Throws<InvalidOperationException>(() => SharedAssets.Missing("asset x is missing", "1"));
        Assert.Contains("asset x is missing", e.Message);
        Assert.Contains("SLOTSHARP_REQUIRE_SHARED=1", e.Message);
    }
}
