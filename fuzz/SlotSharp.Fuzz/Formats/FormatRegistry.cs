using SlotSharp.Fuzz.Seeds;

namespace SlotSharp.Fuzz.Formats;

/// <summary>Every fuzzed format, in report order.</summary>
public static class FormatRegistry
{
    /// <summary>Builds all formats from the shared seeds. Hook for new parsers: add one FuzzFormat subclass per format here.</summary>
    public static IReadOnlyList<FuzzFormat> All(SharedSeeds shared, string scratchRoot) =>
    [
        new SafetensorsFormat(),
        new ConfigJsonFormat(shared),
        new GenerationConfigFormat(shared),
        new TokenizerJsonFormat(shared),
        new TokenizerConfigFormat(shared),
        new ChatTemplateFormat(shared),
        new DeltaFileFormat(scratchRoot),
        DatasetRowsFormat.Jsonl(shared),
        DatasetRowsFormat.JsonArray(shared),
        DatasetRowsFormat.Parquet(shared),
        new Gsm8kRowsFormat(shared),
        new GenerateRequestFormat(),
        new GgufHeaderFormat(),
        new ToolCallOutputFormat(),
    ];
}
