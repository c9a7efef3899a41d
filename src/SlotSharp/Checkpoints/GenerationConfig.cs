using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Checkpoints;

/// <summary>
/// generation_config.json: the stop ids (eos_token_id may be a list) and decoding defaults. transformers applies
/// repetition_penalty from here even to greedy decoding (Qwen2.5-Instruct ships 1.05), so SlotSharp does too.
/// </summary>
public sealed record GenerationConfig(IReadOnlyList<int> EosTokenIds, int? BosTokenId, int? PadTokenId, bool DoSample,
    double? Temperature, int? TopK, double? TopP, double? RepetitionPenalty = null)
{
    public static GenerationConfig? LoadOrNull(string path)
    {
        if (!File.Exists(path)) return null;
        JsonObject j;
        try { j = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})"); }
        var f = new JsonFields(j, path);
        double? repetition = j["repetition_penalty"] is null ? null : f.Double("repetition_penalty", 1.0);
        if (repetition is { } r && !(r > 0 && double.IsFinite(r)))
            throw new SlotSharpException($"{path}: field 'repetition_penalty' must be a finite number > 0, got {r.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return new GenerationConfig(JsonFields.IdList(j["eos_token_id"]), f.IntOrNull("bos_token_id"), f.IntOrNull("pad_token_id"),
            f.Bool("do_sample", false), j["temperature"] is null ? null : f.Double("temperature", 1.0),
            f.IntOrNull("top_k"), j["top_p"] is null ? null : f.Double("top_p", 1.0),
            repetition);
    }
}
