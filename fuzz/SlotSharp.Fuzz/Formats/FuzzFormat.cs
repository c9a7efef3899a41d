using CsCheck;
using SlotSharp.Fuzz.Mutation;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// One input format the project parses: how to generate inputs (mutated seeds) and how to feed one to the
/// project's own parser. <see cref="Run"/> throws what the parser throws; the harness classifies it.
/// </summary>
public abstract class FuzzFormat
{
    /// <summary>Short name used on the command line and in the report (e.g. "config.json").</summary>
    public abstract string Name { get; }

    /// <summary>Extension for saved failing inputs, so they open in the right editor.</summary>
    public virtual string Extension => ".json";

    /// <summary>Valid inputs the mutations start from; the first also warms the parser up before timing starts.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    Gen<byte[]>? _inputs;

    /// <summary>The input generator; deterministic for a given CsCheck PCG.</summary>
    public Gen<byte[]> Inputs => _inputs ??= Mutations(Seeds);

    /// <summary>How inputs are made from the seeds; by default the mix for a JSON document format.</summary>
    protected virtual Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => JsonDocumentInputs(seeds);

    /// <summary>Parses (and where it matters, uses) one input; <paramref name="scratch"/> is a folder of the worker's own.</summary>
    public abstract void Run(byte[] input, string scratch);

    /// <summary>Exception types this format documents as user errors besides SlotSharpException (e.g. JsonException for HTTP bodies).</summary>
    public virtual bool IsDocumentedError(Exception e) => false;

    /// <summary>Unchanged seeds, byte mutations and JSON-aware mutations: the mix for a JSON document format.</summary>
    protected static Gen<byte[]> JsonDocumentInputs(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (4, ByteMutations.Mutate(seeds)),
        (5, JsonMutations.Mutate(seeds)));

    /// <summary>Unchanged seeds, byte mutations and JSON-aware mutations of one line: the mix for JSON Lines.</summary>
    protected static Gen<byte[]> JsonLinesInputs(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (4, ByteMutations.Mutate(seeds)),
        (5, JsonMutations.MutateLines(seeds)));

    /// <summary>Writes the input to <paramref name="fileName"/> in a per-format folder of the scratch folder and returns its path.</summary>
    protected string WriteInput(byte[] input, string scratch, string fileName)
    {
        var dir = Path.Combine(scratch, Name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, fileName);
        File.WriteAllBytes(path, input);
        return path;
    }
}
