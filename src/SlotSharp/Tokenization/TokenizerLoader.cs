using System.Text.Json;

namespace SlotSharp.Tokenization;

/// <summary>Loads a Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) from a model folder.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Reads DIR/tokenizer.json (required) and DIR/tokenizer_config.json (optional: defaults when absent, as HF).
    /// When the config has no chat_template, DIR/chat_template.jinja is used if present (newer HF layout).
    /// </summary>
    public static ITokenizer FromModelFolder(string dir, TokenizerOptions? options = null) => LoadFolder(dir, options);

    /// <summary>Same as <see cref="FromModelFolder"/>, typed for callers that need the config or added tokens.</summary>
    internal static HfTokenizer LoadFolder(string dir, TokenizerOptions? options = null)
    {
        if (!Directory.Exists(dir)) throw new SlotSharpException($"model folder '{dir}' does not exist");
        var tokenizerJson = Path.Combine(dir, "tokenizer.json");
        if (!File.Exists(tokenizerJson))
            throw new SlotSharpException($"{tokenizerJson} not found (a Hugging Face fast-tokenizer file is required; tokenizer.model alone is not supported)");
        var configPath = Path.Combine(dir, "tokenizer_config.json");
        var config = File.Exists(configPath) ? TokenizerConfig.Parse(File.ReadAllText(configPath), configPath) : TokenizerConfig.Empty;
        var jinja = Path.Combine(dir, "chat_template.jinja");
        if (config.ChatTemplate == null && File.Exists(jinja)) config = config.WithChatTemplate(File.ReadAllText(jinja));
        return FromFiles(tokenizerJson, config, options);
    }

    /// <summary>Loads a tokenizer.json with the given config (TokenizerConfig.Empty for HF defaults).</summary>
    internal static HfTokenizer FromFiles(string tokenizerJsonPath, TokenizerConfig config, TokenizerOptions? options = null)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(tokenizerJsonPath); }
        catch (IOException e) { throw new SlotSharpException($"{tokenizerJsonPath}: cannot read: {e.Message}", e); }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw new SlotSharpException($"{tokenizerJsonPath}: invalid JSON: {e.Message}", e); }
        using (doc)
        {
            try { return new TokenizerJson(tokenizerJsonPath, options ?? TokenizerOptions.Default).Build(doc.RootElement, config); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or IndexOutOfRangeException)
            {
                // Wrong JSON kinds (e.g. a number where a string belongs) surface as these.
                throw new SlotSharpException($"{tokenizerJsonPath}: malformed tokenizer.json: {e.Message}", e);
            }
        }
    }
}
