using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Checkpoints;

/// <summary>rope_scaling of config.json; only the fields the supported rope types read.</summary>
public sealed record RopeScaling(string RopeType, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

/// <summary>
/// The fields of a Hugging Face config.json that Qwen2 / Llama-style decoders read, with transformers' defaults.
/// Names follow the JSON keys.
/// </summary>
public sealed record ModelConfig
{
    public required string Architecture { get; init; }
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required string TorchDtype { get; init; }
    /// <summary>Qwen2 always has q/k/v biases; Llama has them only when attention_bias is true.</summary>
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config.json not found: {path}", path);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})"); }
        return Parse(json, path);
    }

    public static ModelConfig Parse(JsonObject j, string source)
    {
        var reader = new JsonFields(j, source);
        var archs = j["architectures"] as JsonArray;
        string arch = archs is { Count: > 0 } ? archs[0]!.GetValue<string>() : reader.Str("model_type", "");
        int hidden = reader.Int("hidden_size");
        int heads = reader.Int("num_attention_heads");
        string modelType = reader.Str("model_type", "");
        return new ModelConfig
        {
            Architecture = arch,
            ModelType = modelType,
            VocabSize = reader.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = reader.Int("intermediate_size"),
            NumHiddenLayers = reader.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = reader.Int("num_key_value_heads", heads),
            HeadDim = reader.Int("head_dim", hidden / heads),
            RmsNormEps = reader.Double("rms_norm_eps", 1e-6),
            RopeTheta = reader.Double("rope_theta", 10000.0),
            RopeScaling = ParseRopeScaling(j["rope_scaling"], source),
            TieWordEmbeddings = reader.Bool("tie_word_embeddings", false),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", 2048),
            TorchDtype = reader.Str("torch_dtype", reader.Str("dtype", "float32")),
            AttentionBias = arch == "Qwen2ForCausalLM" || reader.Bool("attention_bias", false),
            MlpBias = reader.Bool("mlp_bias", false),
            BosTokenId = reader.IntOrNull("bos_token_id"),
            EosTokenIds = JsonFields.IdList(j["eos_token_id"]),
        };
    }

    static RopeScaling? ParseRopeScaling(JsonNode? node, string source)
    {
        if (node is not JsonObject o) return null;
        var r = new JsonFields(o, source + " rope_scaling");
        string type = r.Str("rope_type", r.Str("type", "default"));
        return new RopeScaling(type, r.Double("factor", 1.0), r.Double("low_freq_factor", 1.0), r.Double("high_freq_factor", 4.0),
            r.Int("original_max_position_embeddings", 8192));
    }
}

/// <summary>Typed access to JSON fields with errors that name the file and the field.</summary>
internal readonly struct JsonFields(JsonObject obj, string source)
{
    public int Int(string key, int? fallback = null) => (int)Long(key, fallback);

    public int? IntOrNull(string key) => obj[key] is JsonValue v && v.TryGetValue<long>(out var x) ? (int)x : null;

    long Long(string key, long? fallback)
    {
        var node = obj[key];
        if (node is null) return fallback ?? throw new InvalidDataException($"{source}: missing field '{key}'");
        try { return node.GetValue<long>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            try { double d = node.GetValue<double>(); if (d == Math.Floor(d)) return (long)d; } catch (Exception) { }
            throw new InvalidDataException($"{source}: field '{key}' must be an integer, got {node.ToJsonString()}");
        }
    }

    public double Double(string key, double fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        try { return node.GetValue<double>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new InvalidDataException($"{source}: field '{key}' must be a number, got {node.ToJsonString()}"); }
    }

    public bool Bool(string key, bool fallback)
    {
        var node = obj[key];
        if (node is null) return fallback;
        try { return node.GetValue<bool>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new InvalidDataException($"{source}: field '{key}' must be true or false, got {node.ToJsonString()}"); }
    }

    public string Str(string key, string fallback) => obj[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : fallback;

    /// <summary>eos_token_id may be one id or a list of ids.</summary>
    public static IReadOnlyList<int> IdList(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a => a.Where(x => x != null).Select(x => (int)x!.GetValue<long>()).ToArray(),
        JsonValue v when v.TryGetValue<long>(out var id) => [(int)id],
        _ => [],
    };
}
