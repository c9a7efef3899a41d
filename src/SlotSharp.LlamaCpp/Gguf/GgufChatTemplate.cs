using SlotSharp.Chat;

namespace SlotSharp.Gguf;

/// <summary>The chat template of a GGUF model: the Hugging Face files beside it win, then the GGUF's own template.</summary>
internal static class GgufChatTemplate
{
    /// <summary>
    /// The template of the folder holding <paramref name="ggufPath"/> (chat_template.jinja or tokenizer_config.json, as
    /// <see cref="ChatTemplate.FromModelFolder"/>) when it has one; else the GGUF's tokenizer.chat_template with the
    /// special-token strings of tokenizer_config.json when present, of the GGUF otherwise; else ChatTemplate's
    /// ChatML fallback (<see cref="ChatTemplate.IsFallback"/>).
    /// </summary>
    public static ChatTemplate Load(string ggufPath, ChatTemplateOptions? options = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(ggufPath))!;
        var folder = ChatTemplate.FromModelFolder(dir, options);
        if (!folder.IsFallback) return folder;
        string? source;
        Dictionary<string, object?> ggufSpecialTokens;
        using (var file = GgufFile.Open(ggufPath))
        {
            source = GgufTokenizerMetadata.ChatTemplate(file.Header);
            ggufSpecialTokens = GgufTokenizerMetadata.SpecialTokens(file.Header);
        }
        if (source == null) return folder;
        ChatTemplate parsed;
        try { parsed = ChatTemplate.Parse(source, options); }
        catch (ChatTemplateException e)
        {
            throw new ChatTemplateException(e.Kind, $"chat template in '{ggufPath}' (tokenizer.chat_template): {e.Message}");
        }
        return parsed.WithSpecialTokens(folder.SpecialTokens.Count > 0 ? folder.SpecialTokens : ggufSpecialTokens);
    }
}
