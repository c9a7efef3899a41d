namespace SlotSharp.Tests;

public class SharedAssetsTests
{
    /// <summary>The one place that says, with the full reason, that shared/ is absent and where it was looked for.</summary>
    [SkippableFact]
    public void SharedFolderIsPresent()
    {
        SharedAssets.RequireRoot();
        Assert.True(Directory.Exists(SharedAssets.Root));
    }

    [SkippableFact]
    public void MissingAssetSkipsLocallyButFailsWhenCiRequiresSharedAssets()
    {
        Assert.Throws<SkipException>(() => SharedAssets.Missing("asset x is missing", null));
        var e = Assert.Throws<InvalidOperationException>(() => SharedAssets.Missing("asset x is missing", "1"));
        Assert.Contains("asset x is missing", e.Message);
        Assert.Contains("SLOTSHARP_REQUIRE_SHARED=1", e.Message);
    }
}
