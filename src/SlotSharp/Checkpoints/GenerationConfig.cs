namespace SlotSharp.Checkpoints;

/// <summary>
/// generation_config.json: the stop ids (eos_token_id may be a list) and decoding defaults. transformers applies
/// repetition_penalty from here even to greedy decoding (Qwen2.5-Instruct ships 1.05), so SlotSharp does too.
/// </summary>
internal sealed record GenerationConfig(IReadOnlyList<int> EosTokenIds, int? BosTokenId, int? PadTokenId, bool DoSample,
    double? Temperature, int? TopK, double? TopP, double? RepetitionPenalty = null)
{
    /// <summary>
    /// Reads and checks the file (null when absent): token ids must lie in [0, <paramref name="vocabSize"/>), except a
    /// negative pad_token_id, which some published configs use for "none" and nothing here reads; numbers must be
    /// finite and in the ranges transformers accepts. Errors are <see cref="SlotSharpException"/>s naming the file and field.
    /// </summary>
    public static GenerationConfig? LoadOrNull(string path, int vocabSize = int.MaxValue)
    {
        if (!File.Exists(path)) return null;
        var f = new JsonFields(JsonFields.ReadObject(path), path);
        double? temperature = f.Has("temperature") ? f.Number("temperature", 1.0) : null;
        if (temperature < 0) throw f.Bad("temperature", $"must be >= 0, got {temperature}");
        double? topP = f.Has("top_p") ? f.Number("top_p", 1.0) : null;
        if (topP is < 0 or > 1) throw f.Bad("top_p", $"must lie in [0, 1], got {topP}");
        return new GenerationConfig(f.IdList("eos_token_id", vocabSize), f.IntOrNull("bos_token_id", min: 0, max: vocabSize - 1),
            f.IntOrNull("pad_token_id", max: vocabSize - 1), f.Bool("do_sample", false), temperature, f.IntOrNull("top_k", min: 0), topP,
            f.Has("repetition_penalty") ? f.Positive("repetition_penalty", 1.0) : null);
    }
}
