using CsCheck;
using SlotSharp.Checkpoints;
using SlotSharp.Fuzz.Mutation;
using SlotSharp.Fuzz.Seeds;

namespace SlotSharp.Fuzz.Formats;

/// <summary>config.json through ModelConfig.Load (shared/models/*/config.json seeds).</summary>
public sealed class ConfigJsonFormat(SharedSeeds shared) : FuzzFormat
{
    public override string Name => "config.json";
    public override IReadOnlyList<byte[]> Seeds { get; } =
        [shared.Bytes("models", "tiny-qwen2", "config.json"), shared.Bytes("models", "stories260K", "config.json")];
    public override void Run(byte[] input, string scratch) => ModelConfig.Load(WriteInput(input, scratch, "config.json"));
}

/// <summary>generation_config.json through GenerationConfig.LoadOrNull.</summary>
public sealed class GenerationConfigFormat(SharedSeeds shared) : FuzzFormat
{
    public override string Name => "generation_config.json";
    public override IReadOnlyList<byte[]> Seeds { get; } =
        [shared.Bytes("models", "tiny-qwen2", "generation_config.json"), shared.Bytes("models", "stories260K", "generation_config.json")];
    public override void Run(byte[] input, string scratch) => GenerationConfig.LoadOrNull(WriteInput(input, scratch, "generation_config.json"));
}

/// <summary>A .safetensors file: SafetensorsFile.Open, then every tensor read (tiny in-memory seeds).</summary>
public sealed class SafetensorsFormat : FuzzFormat
{
    public SafetensorsFormat() => SlotSharp.Runtime.TorchRuntime.EnsureLoadable();

    public override string Name => "safetensors";
    public override string Extension => ".safetensors";
    public override IReadOnlyList<byte[]> Seeds { get; } = SafetensorsSeeds.Default();
    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => SafetensorsInputs(seeds);

    public override void Run(byte[] input, string scratch)
    {
        using var file = SafetensorsFile.Open(WriteInput(input, scratch, "model.safetensors"));
        foreach (var name in file.Tensors.Keys)
            using (file.Read(name)) { }
    }

    /// <summary>Unchanged seeds, byte mutations (length prefix included) and header-aware mutations.</summary>
    internal static Gen<byte[]> SafetensorsInputs(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (4, ByteMutations.Mutate(seeds)),
        (5, SafetensorsSeeds.HeaderMutations(seeds)));
}
