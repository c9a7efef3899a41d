namespace SlotSharp.Gguf;

/// <summary>
/// The tokenizer.* metadata of a GGUF file that needs no tokenizer to read: token strings, the special-token strings
/// a chat template sees (bos_token, eos_token...), and the chat template itself.
/// </summary>
internal static class GgufTokenizerMetadata
{
    // The render-context names transformers gives special tokens, and the GGUF keys holding their ids.
    static readonly (string Name, string Key)[] SpecialTokenKeys =
    [
        ("bos_token", "tokenizer.ggml.bos_token_id"),
        ("eos_token", "tokenizer.ggml.eos_token_id"),
        ("pad_token", "tokenizer.ggml.padding_token_id"),
        ("unk_token", "tokenizer.ggml.unknown_token_id"),
    ];

    /// <summary>tokenizer.ggml.tokens, or null when the file has no vocabulary.</summary>
    public static string[]? Tokens(GgufHeader header) =>
        header.Array("tokenizer.ggml.tokens") is { } list && list.All(t => t is string) ? list.Cast<string>().ToArray() : null;

    /// <summary>tokenizer.chat_template, or null.</summary>
    /// <summary>Stop ids: tokenizer.ggml.eos_token_id and, where present, tokenizer.ggml.eot_token_id.</summary>
    public static IReadOnlyList<int> StopIds(GgufHeader header)
    {
        var ids = new List<int>();
        foreach (var key in new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id" })
            if (header.Integer(key) is long id && id >= 0 && id <= int.MaxValue && !ids.Contains((int)id)) ids.Add((int)id);
        return ids;
    }

    public static string? ChatTemplate(GgufHeader header) => header.String("tokenizer.chat_template");

    /// <summary>
    /// bos_token, eos_token, pad_token and unk_token as strings, for each id key present and inside the vocabulary.
    /// Unlike tokenizer_config.json a GGUF cannot say "no BOS": its bos id may be set while the model never uses it.
    /// </summary>
    public static Dictionary<string, object?> SpecialTokens(GgufHeader header)
    {
        var tokens = Tokens(header) ?? [];
        var result = new Dictionary<string, object?>();
        foreach (var (name, key) in SpecialTokenKeys)
            if (header.Integer(key) is long id && id >= 0 && id < tokens.Length) result[name] = tokens[id];
        return result;
    }
}
