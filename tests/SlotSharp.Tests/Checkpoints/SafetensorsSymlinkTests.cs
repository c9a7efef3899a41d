using SlotSharp.Checkpoints;

namespace SlotSharp.Tests.Checkpoints;

/// <summary>
/// A safetensors file reached through a symlink (every file of a Hugging Face cache snapshot) is sized by its
/// target; the link's own length (its target path, tens of bytes) once made every such file "too short".
/// </summary>
public sealed class SafetensorsSymlinkTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-st-link-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string WriteTarget()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "blobs"));
        var target = Path.Combine(_dir, "blobs", "data");
        // 64 floats: a header of ~80 bytes plus 256 data bytes, longer than any link path below.
        SafetensorsFile.WriteFloat32(target, [("w", [8, 8], Enumerable.Range(0, 64).Select(i => i * 0.5f).ToArray())]);
        return target;
    }

    [SkippableTheory]
    [InlineData("../blobs/data")] // relative, as huggingface_hub creates them
    [InlineData(null)]             // absolute
    public void OpensThroughALink_AndReadsTheTargetsBytes(string? relativeTarget)
    {
        var target = WriteTarget();
        Directory.CreateDirectory(Path.Combine(_dir, "snapshot"));
        var link = Path.Combine(_dir, "snapshot", "model.safetensors");
        File.CreateSymbolicLink(link, relativeTarget ?? target);

        using var file = SafetensorsFile.Open(link);
        using var w = file.Read("w");

        Assert.Equal(new long[] { 8, 8 }, w.shape);
        Assert.Equal(31.5f, w[7, 7].item<float>()); // element 63 = 63 * 0.5
    }

    [SkippableFact]
    public void ChainOfLinks_IsFollowedToTheFinalTarget()
    {
        var target = WriteTarget();
        var first = Path.Combine(_dir, "first.safetensors");
        var second = Path.Combine(_dir, "second.safetensors");
        File.CreateSymbolicLink(first, target);
        File.CreateSymbolicLink(second, first);

        using var file = SafetensorsFile.Open(second);
        Assert.Equal(64, file.Tensors["w"].ElementCount);
    }

    [SkippableFact]
    public void DanglingLink_IsReportedAsMissing()
    {
        var link = Path.Combine(_dir, "model.safetensors");
        File.CreateSymbolicLink(link, Path.Combine(_dir, "blobs", "gone"));

        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(link));
        Assert.Contains(link, e.Message);
    }
}
