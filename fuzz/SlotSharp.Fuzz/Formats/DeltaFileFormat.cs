using CsCheck;
using SlotSharp.Slot;

namespace SlotSharp.Fuzz.Formats;

/// <summary>A saved SLOT delta (--load-delta) through SlotDeltaFile.LoadDelta; the seed is written by SaveDelta.</summary>
public sealed class DeltaFileFormat : FuzzFormat
{
    const int HiddenSize = 8;

    public DeltaFileFormat(string scratchRoot)
    {
        SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
        Directory.CreateDirectory(scratchRoot);
        var path = Path.Combine(scratchRoot, "seed-delta.safetensors");
        SlotDeltaFile.SaveDelta(path, Enumerable.Range(0, HiddenSize).Select(i => i * 0.25f - 1).ToArray(),
            new SlotDeltaMetadata("tiny-qwen2", HiddenSize, 5, 0.1, "adamw", [2.5, 2.25, 2.0, double.NaN, 1.5]));
        Seeds = [File.ReadAllBytes(path)];
        File.Delete(path);
    }

    public override string Name => "delta";
    public override string Extension => ".safetensors";
    public override IReadOnlyList<byte[]> Seeds { get; }
    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => SafetensorsFormat.SafetensorsInputs(seeds);

    public override void Run(byte[] input, string scratch) =>
        SlotDeltaFile.LoadDelta(WriteInput(input, scratch, "delta.safetensors"), HiddenSize, expectedModel: null);
}
