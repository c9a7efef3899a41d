namespace SlotSharp.Gguf;

/// <summary>Hugging Face checkpoint keys of Qwen2 / Llama decoders and the tensor names llama.cpp gives them.</summary>
internal static class GgufTensorNames
{
    static readonly (string Hf, string Gguf)[] LayerParts =
    [
        ("input_layernorm.weight", "attn_norm.weight"),
        ("self_attn.q_proj.weight", "attn_q.weight"), ("self_attn.q_proj.bias", "attn_q.bias"),
        ("self_attn.k_proj.weight", "attn_k.weight"), ("self_attn.k_proj.bias", "attn_k.bias"),
        ("self_attn.v_proj.weight", "attn_v.weight"), ("self_attn.v_proj.bias", "attn_v.bias"),
        ("self_attn.o_proj.weight", "attn_output.weight"), ("self_attn.o_proj.bias", "attn_output.bias"),
        ("post_attention_layernorm.weight", "ffn_norm.weight"),
        ("mlp.gate_proj.weight", "ffn_gate.weight"), ("mlp.gate_proj.bias", "ffn_gate.bias"),
        ("mlp.up_proj.weight", "ffn_up.weight"), ("mlp.up_proj.bias", "ffn_up.bias"),
        ("mlp.down_proj.weight", "ffn_down.weight"), ("mlp.down_proj.bias", "ffn_down.bias"),
    ];

    /// <summary>The llama.cpp name of a checkpoint key, or null for keys llama.cpp does not use.</summary>
    public static string? Map(string hfName)
    {
        switch (hfName)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        const string prefix = "model.layers.";
        if (!hfName.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int dot = hfName.IndexOf('.', prefix.Length);
        if (dot < 0 || !int.TryParse(hfName.AsSpan(prefix.Length, dot - prefix.Length), out int layer)) return null;
        var rest = hfName[(dot + 1)..];
        foreach (var (hf, gguf) in LayerParts)
            if (rest == hf) return $"blk.{layer}.{gguf}";
        return null;
    }
}
