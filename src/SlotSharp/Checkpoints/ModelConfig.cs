using System.Text.Json.Nodes;

namespace SlotSharp.Checkpoints;

/// <summary>
/// The fields of a Hugging Face config.json that Qwen2 / Llama-style decoders read, with transformers' defaults.
/// Names follow the JSON keys. Every field is checked when read (see <see cref="JsonFields"/> and
/// <see cref="ModelShapes"/>), so a bad config stops before any weight is read, naming config.json and the field.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The torch_dtype values a checkpoint of float weights can declare (the compute dtype is chosen separately).</summary>
    internal static readonly IReadOnlyList<string> FloatDTypes = ["float32", "float16", "bfloat16", "float64"];

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
        return Parse(JsonFields.ReadObject(path), path);
    }

    /// <summary>Reads and checks the fields; errors are <see cref="SlotSharpException"/>s naming <paramref name="source"/> and the field.</summary>
    internal static ModelConfig Parse(JsonObject j, string source)
    {
        var f = new JsonFields(j, source);
        string modelType = f.Str("model_type", "");
        var archs = f.StrList("architectures");
        string arch = archs.Count > 0 ? archs[0] : modelType;
        int vocab = f.Int("vocab_size", min: 1);
        int hidden = f.Int("hidden_size", min: 1);
        int heads = f.Int("num_attention_heads", min: 1);
        int kvHeads = f.Int("num_key_value_heads", heads, min: 1);
        if (heads % kvHeads != 0)
            throw f.Bad("num_key_value_heads", $"({kvHeads}) must divide num_attention_heads ({heads})");
        string dtype = f.Str("torch_dtype", f.Str("dtype", "float32"));
        if (!FloatDTypes.Contains(dtype))
            throw f.Bad(f.Has("torch_dtype") ? "torch_dtype" : "dtype", $"is '{dtype}', expected one of {string.Join(", ", FloatDTypes)}");
        bool mlpBias = f.Bool("mlp_bias", false);
        if (mlpBias) throw f.Bad("mlp_bias", "is true, which is not supported");
        var config = new ModelConfig
        {
            Architecture = arch,
            ModelType = modelType,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = f.Int("intermediate_size", min: 1),
            NumHiddenLayers = f.Int("num_hidden_layers", min: 1),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = HeadDimension(f, hidden, heads),
            RmsNormEps = f.Positive("rms_norm_eps", 1e-6),
            RopeTheta = f.Positive("rope_theta", 10000.0),
            RopeScaling = RopeScaling.Parse(f),
            TieWordEmbeddings = f.Bool("tie_word_embeddings", false),
            MaxPositionEmbeddings = f.Int("max_position_embeddings", 2048, min: 1),
            TorchDtype = dtype,
            AttentionBias = arch == "Qwen2ForCausalLM" || f.Bool("attention_bias", false),
            MlpBias = mlpBias,
            BosTokenId = f.IntOrNull("bos_token_id", min: 0, max: vocab - 1),
            EosTokenIds = f.IdList("eos_token_id", vocab),
        };
        ModelShapes.Check(config, f);
        return config;
    }

    /// <summary>
    /// head_dim when given, else hidden_size / num_attention_heads (transformers' rule), which must then divide
    /// exactly. Either way it must be even: the rotary embedding pairs dimension i with i + head_dim / 2.
    /// </summary>
    static int HeadDimension(JsonFields f, int hidden, int heads)
    {
        if (f.Has("head_dim"))
        {
            int given = f.Int("head_dim", min: 2);
            return given % 2 == 0 ? given : throw f.Bad("head_dim", $"({given}) must be even for the rotary embedding");
        }
        if (hidden % heads != 0)
            throw f.Bad("num_attention_heads", $"({heads}) must divide hidden_size ({hidden}) when head_dim is absent");
        int derived = hidden / heads;
        return derived % 2 == 0 ? derived
            : throw f.Bad("num_attention_heads", $"gives head_dim = hidden_size / num_attention_heads = {derived}, which must be even for the rotary embedding");
    }
}
