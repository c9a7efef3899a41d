namespace SlotSharp.Checkpoints;

/// <summary>rope_scaling of config.json; only the fields the supported rope types read.</summary>
public sealed record RopeScaling(string RopeType, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings)
{
    /// <summary>The rope types the rotary embeddings implement (a config naming another is refused before any weight is read).</summary>
    internal static readonly string[] SupportedRopeTypes = ["default", "linear", "llama3"];

    /// <summary>
    /// Reads and checks rope_scaling (null when absent). The values divide the rotary frequencies, so zero, negative
    /// or equal low/high factors would give infinite or NaN angles and silent garbage; they are refused here.
    /// </summary>
    internal static RopeScaling? Parse(JsonFields config)
    {
        if (config.Object("rope_scaling") is not { } r) return null;
        string type = r.Str("rope_type", r.Str("type", "default"));
        if (!SupportedRopeTypes.Contains(type))
            throw r.Bad(r.Has("rope_type") ? "rope_type" : "type",
                $"is '{type}', which is not supported (supported: {string.Join(", ", SupportedRopeTypes)})");
        var scaling = new RopeScaling(type, r.Positive("factor", 1.0), r.Positive("low_freq_factor", 1.0), r.Positive("high_freq_factor", 4.0),
            r.Int("original_max_position_embeddings", 8192, min: 1));
        if (type == "llama3" && scaling.HighFreqFactor <= scaling.LowFreqFactor)
            throw r.Bad("high_freq_factor", $"({scaling.HighFreqFactor}) must be greater than low_freq_factor ({scaling.LowFreqFactor})");
        return scaling;
    }
}
