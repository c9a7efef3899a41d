using CsCheck;
using SlotSharp.Fuzz.Mutation;
using SlotSharp.Fuzz.Seeds;
using SlotSharp.Gguf;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// A .gguf file: GgufHeader.Read on a MemoryStream, then the file path the llama.cpp backend takes (GgufFile.Open,
/// which memory-maps it, GgufModelChecks, and GgufLmHead.Read, which dequantizes the output weight), and GgufOutputWeight, which
/// reads that weight in place a row at a time (its first and last rows are decoded). Seeds are tiny files from
/// GgufWriter; all edits are byte-level, which for this binary format includes the integer overwrites of counts,
/// lengths, dimensions, types and offsets (2^31, 2^32, 2^63, ...) that a header parser must bound.
/// </summary>
public sealed class GgufHeaderFormat : FuzzFormat
{
    public override string Name => "gguf";
    public override string Extension => ".gguf";
    public override IReadOnlyList<byte[]> Seeds { get; } = GgufSeeds.Default();

    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (9, ByteMutations.Mutate(seeds)));

    public override void Run(byte[] input, string scratch)
    {
        using (var stream = new MemoryStream(input, writable: false)) GgufHeader.Read(stream, "model.gguf");
        var path = WriteInput(input, scratch, "model.gguf");
        using var file = GgufFile.Open(path);
        // The checks run before llama.cpp may refuse a value (a clean error) but must never crash; the later stages
        // still run on a refused file, which the seeds' lack of an architecture would otherwise always stop.
        try { GgufModelChecks.Check(file); }
        catch (SlotSharpException) { }
        if (file.Find("token_embd.weight") == null && file.Find("output.weight") == null) return;
        GgufLmHead.Read(file);
        using var head = GgufOutputWeight.Open(path);
        var row = new float[head.Columns];
        head.Row(0, row);
        head.Row(head.Rows - 1, row);
    }
}
