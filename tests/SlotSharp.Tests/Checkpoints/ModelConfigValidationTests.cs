using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;

namespace SlotSharp.Tests.Checkpoints;

/// <summary>
/// Every config.json field the model reads is checked before anything is built: each bad value below once crashed
/// the CLI (exit 134), was truncated (hidden_size 4294967360 ran as 64) or ran as garbage (ids [0,0,0,0]).
/// </summary>
public sealed class ModelConfigValidationTests
{
    const string Source = "/models/m/config.json";

    /// <summary>stories260K's config.json (a valid Llama config), inlined so these tests need no shared assets.</summary>
    const string Valid = """
        {"architectures":["LlamaForCausalLM"],"attention_bias":false,"bos_token_id":1,"eos_token_id":2,"head_dim":8,
         "hidden_size":64,"intermediate_size":172,"max_position_embeddings":512,"mlp_bias":false,"model_type":"llama",
         "num_attention_heads":8,"num_hidden_layers":5,"num_key_value_heads":4,"rms_norm_eps":1e-05,"rope_scaling":null,
         "rope_theta":10000.0,"tie_word_embeddings":true,"torch_dtype":"float32","vocab_size":512}
        """;

    const string Llama3Rope = """{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192}""";

    /// <summary>The valid config with the fields of <paramref name="changes"/> replaced (rope_scaling fields merge into the llama3 block).</summary>
    static JsonObject With(string changes)
    {
        var config = JsonNode.Parse(Valid)!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(changes)!.AsObject())
        {
            if (key.StartsWith("rope_scaling.", StringComparison.Ordinal))
            {
                config["rope_scaling"] ??= JsonNode.Parse(Llama3Rope);
                config["rope_scaling"]![key["rope_scaling.".Length..]] = value?.DeepClone();
            }
            else config[key] = value?.DeepClone();
        }
        return config;
    }

    [SkippableFact]
    public void ValidConfigIsReadWithItsValues()
    {
        var c = ModelConfig.Parse(With("""{"rope_scaling":""" + Llama3Rope + "}"), Source);
        Assert.Equal(("LlamaForCausalLM", 512, 64, 172, 5), (c.Architecture, c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers));
        Assert.Equal((8, 4, 8), (c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal((1e-5, 10000.0, 512, true), (c.RmsNormEps, c.RopeTheta, c.MaxPositionEmbeddings, c.TieWordEmbeddings));
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), c.RopeScaling);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
    }

    [SkippableFact]
    public void AbsentOptionalFieldsTakeTransformersDefaults()
    {
        var c = ModelConfig.Parse(With("""{"head_dim":null,"num_key_value_heads":null,"rms_norm_eps":null,"rope_theta":null,"max_position_embeddings":null,"eos_token_id":[2, 1],"bos_token_id":null}"""), Source);
        Assert.Equal((8, 8), (c.NumKeyValueHeads, c.HeadDim)); // kv heads = heads; head_dim = 64 / 8
        Assert.Equal((1e-6, 10000.0, 2048), (c.RmsNormEps, c.RopeTheta, c.MaxPositionEmbeddings));
        Assert.Equal([2, 1], c.EosTokenIds);
        Assert.Null(c.BosTokenId);
    }

    [SkippableTheory]
    // Values from the acceptance report: crashes (exit 134) ...
    [InlineData("""{"num_attention_heads":0}""", "num_attention_heads")]
    [InlineData("""{"num_key_value_heads":0}""", "num_key_value_heads")]
    [InlineData("""{"architectures":[5]}""", "architectures")]
    [InlineData("""{"architectures":[null]}""", "architectures")]
    [InlineData("""{"eos_token_id":["x"]}""", "eos_token_id")]
    // ... silent truncation or garbage.
    [InlineData("""{"hidden_size":4294967360}""", "hidden_size")]
    [InlineData("""{"vocab_size":1000000000000}""", "vocab_size")]
    [InlineData("""{"num_hidden_layers":-1}""", "num_hidden_layers")]
    [InlineData("""{"num_hidden_layers":0}""", "num_hidden_layers")]
    [InlineData("""{"rms_norm_eps":-1}""", "rms_norm_eps")]
    [InlineData("""{"rope_theta":0}""", "rope_theta")]
    // Types, ranges and relations between fields.
    [InlineData("""{"architectures":"LlamaForCausalLM"}""", "architectures")]
    [InlineData("""{"hidden_size":"64"}""", "hidden_size")]
    [InlineData("""{"hidden_size":64.5}""", "hidden_size")]
    [InlineData("""{"hidden_size":1e30}""", "hidden_size")]
    [InlineData("""{"vocab_size":0}""", "vocab_size")]
    [InlineData("""{"num_key_value_heads":3}""", "num_key_value_heads")]
    [InlineData("""{"num_key_value_heads":16}""", "num_key_value_heads")]
    [InlineData("""{"head_dim":null,"hidden_size":60}""", "num_attention_heads")]
    [InlineData("""{"head_dim":null,"hidden_size":24}""", "num_attention_heads")]
    [InlineData("""{"head_dim":7}""", "head_dim")]
    [InlineData("""{"head_dim":0}""", "head_dim")]
    [InlineData("""{"head_dim":1073741824}""", "head_dim")]
    [InlineData("""{"intermediate_size":0}""", "intermediate_size")]
    [InlineData("""{"intermediate_size":true}""", "intermediate_size")]
    [InlineData("""{"max_position_embeddings":0}""", "max_position_embeddings")]
    [InlineData("""{"rms_norm_eps":0}""", "rms_norm_eps")]
    [InlineData("""{"rms_norm_eps":"1e-5"}""", "rms_norm_eps")]
    [InlineData("""{"rope_theta":-10000}""", "rope_theta")]
    [InlineData("""{"rope_theta":1e400}""", "rope_theta")]
    [InlineData("""{"tie_word_embeddings":"yes"}""", "tie_word_embeddings")]
    [InlineData("""{"tie_word_embeddings":1}""", "tie_word_embeddings")]
    [InlineData("""{"attention_bias":"false"}""", "attention_bias")]
    [InlineData("""{"mlp_bias":true}""", "mlp_bias")]
    [InlineData("""{"torch_dtype":"int8"}""", "torch_dtype")]
    [InlineData("""{"torch_dtype":5}""", "torch_dtype")]
    [InlineData("""{"model_type":7}""", "model_type")]
    [InlineData("""{"bos_token_id":512}""", "bos_token_id")]
    [InlineData("""{"bos_token_id":-1}""", "bos_token_id")]
    [InlineData("""{"eos_token_id":512}""", "eos_token_id")]
    [InlineData("""{"eos_token_id":[2,-1]}""", "eos_token_id")]
    [InlineData("""{"eos_token_id":{"id":2}}""", "eos_token_id")]
    [InlineData("""{"rope_scaling":"llama3"}""", "rope_scaling")]
    [InlineData("""{"rope_scaling.rope_type":"yarn"}""", "rope_scaling.rope_type")]
    [InlineData("""{"rope_scaling.factor":0}""", "rope_scaling.factor")]
    [InlineData("""{"rope_scaling.factor":-8}""", "rope_scaling.factor")]
    [InlineData("""{"rope_scaling.low_freq_factor":0}""", "rope_scaling.low_freq_factor")]
    [InlineData("""{"rope_scaling.high_freq_factor":1.0}""", "rope_scaling.high_freq_factor")]
    [InlineData("""{"rope_scaling.high_freq_factor":"4"}""", "rope_scaling.high_freq_factor")]
    [InlineData("""{"rope_scaling.original_max_position_embeddings":0}""", "rope_scaling.original_max_position_embeddings")]
    [InlineData("""{"rope_scaling.rope_type":"linear","rope_scaling.factor":0}""", "rope_scaling.factor")]
    public void BadValueIsRefusedNamingTheFileAndField(string changes, string field)
    {
        var e = Assert.Throws<SlotSharpException>(() => ModelConfig.Parse(With(changes), Source));
        Assert.StartsWith(Source + ": ", e.Message);
        Assert.Contains($"'{field}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [SkippableTheory]
    [InlineData("vocab_size")]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    public void RequiredFieldMissingIsNamed(string field)
    {
        var config = With("{}");
        config.Remove(field);
        var e = Assert.Throws<SlotSharpException>(() => ModelConfig.Parse(config, Source));
        Assert.Contains($"'{field}' is missing", e.Message);
    }

    [SkippableFact]
    public void WeightCountBeyond64BitsIsRefused()
    {
        // Each field is in range, but vocab x hidden x 4 bytes (and the layers' total) no longer fit in 64 bits.
        var e = Assert.Throws<SlotSharpException>(() => ModelConfig.Parse(With(
            """{"vocab_size":2147483647,"hidden_size":2147483646,"intermediate_size":2147483647,"num_hidden_layers":2147483647}"""), Source));
        Assert.StartsWith(Source + ": ", e.Message);
        Assert.Contains("vocab_size, hidden_size", e.Message);
    }

    [SkippableTheory]
    [InlineData("stories260K")]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-qwen2-sharded")]
    public void SharedCheckpointsStillLoad(string model)
    {
        var dir = SharedAssets.Require("models", model);
        using var ckpt = Checkpoint.Open(dir);
        Assert.Equal(64, ckpt.Config.HiddenSize);
    }
}
