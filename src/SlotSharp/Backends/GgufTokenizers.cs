using SlotSharp.Gguf;
using SlotSharp.Tokenization;

namespace SlotSharp.Backends;

/// <summary>
/// Tokenizer, stop ids and chat template of a GGUF model: the Hugging Face files beside the .gguf file when they are
/// there (the project's exact tokenizer.json port), else what the GGUF file itself stores.
/// </summary>
public static class GgufTokenizers
{
    public static ITokenizer Load(string ggufPath, LlamaCppBackend backend)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(ggufPath))!;
        if (File.Exists(Path.Combine(folder, "tokenizer.json"))) return TokenizerLoader.FromModelFolder(folder);
        throw new SlotSharpException($"{ggufPath}: no tokenizer.json beside the GGUF file (tokenizing with the GGUF's own vocabulary is not available yet)");
    }

    /// <summary>tokenizer.ggml.eos_token_id and, where present, tokenizer.ggml.eot_token_id.</summary>
    public static IReadOnlyList<int> StopIds(string ggufPath)
    {
        using var file = GgufFile.Open(ggufPath);
        var ids = new List<int>();
        foreach (var key in new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id" })
            if (file.Header.Integer(key) is long id && id >= 0 && id <= int.MaxValue && !ids.Contains((int)id)) ids.Add((int)id);
        return ids;
    }

    /// <summary>tokenizer_config.json's template beside the file, else the GGUF's tokenizer.chat_template, else the fallback.</summary>
    public static Chat.ChatTemplate ChatTemplate(string ggufPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(ggufPath))!;
        return Chat.ChatTemplate.FromModelFolder(folder);
    }
}
