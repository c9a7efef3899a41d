using System.Text.Json;
using SlotSharp.IO;

namespace SlotSharp.Tokenization;

/// <summary>The fields of a Hugging Face tokenizer_config.json that SlotSharp uses.</summary>
internal sealed class TokenizerConfig
{
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    public string? UnkToken { get; init; }

    /// <summary>add_bos_token, null when absent. The tokenizer.json post-processor decides what Encode adds; this is informational.</summary>
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }

    /// <summary>clean_up_tokenization_spaces; false when absent (current transformers default).</summary>
    public bool CleanUpTokenizationSpaces { get; init; }

    /// <summary>model_max_length; null when absent or set to transformers' "unlimited" sentinel (int(1e30)).</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary>The default chat template (the string, or the entry named "default" of a list), else null.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>All named templates when chat_template is a list of {name, template}; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();

    public static TokenizerConfig Empty { get; } = new();

    /// <summary>Parses tokenizer_config.json text; <paramref name="file"/> names the source in error messages.</summary>
    public static TokenizerConfig Parse(string json, string file)
    {
        using (var doc = UserJson.Parse(json, file))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new SlotSharpException($"{file}: expected a JSON object");
            var (template, named) = ChatTemplates(root, file);
            return new TokenizerConfig
            {
                BosToken = TokenString(root, "bos_token", file),
                EosToken = TokenString(root, "eos_token", file),
                PadToken = TokenString(root, "pad_token", file),
                UnkToken = TokenString(root, "unk_token", file),
                AddBosToken = OptBool(root, "add_bos_token", file),
                AddEosToken = OptBool(root, "add_eos_token", file),
                CleanUpTokenizationSpaces = OptBool(root, "clean_up_tokenization_spaces", file) ?? false,
                ModelMaxLength = MaxLength(root, file),
                ChatTemplate = template,
                NamedChatTemplates = named,
            };
        }
    }

    /// <summary>A special token is either a string or an AddedToken object {"content": ...}.</summary>
    static string? TokenString(JsonElement root, string name, string file)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        throw new SlotSharpException($"{file}: field \"{name}\" must be a string, an object with \"content\", or null");
    }

    static bool? OptBool(JsonElement root, string name, string file)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
            : throw new SlotSharpException($"{file}: field \"{name}\" must be true or false");
    }

    static long? MaxLength(JsonElement root, string file)
    {
        if (!root.TryGetProperty("model_max_length", out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number) throw new SlotSharpException($"{file}: field \"model_max_length\" must be a number");
        if (v.TryGetInt64(out var n)) return n;
        return v.GetDouble() >= long.MaxValue ? null : (long)v.GetDouble();
    }

    static (string?, Dictionary<string, string>) ChatTemplates(JsonElement root, string file)
    {
        var named = new Dictionary<string, string>();
        if (!root.TryGetProperty("chat_template", out var v) || v.ValueKind == JsonValueKind.Null) return (null, named);
        if (v.ValueKind == JsonValueKind.String) return (v.GetString(), named);
        if (v.ValueKind != JsonValueKind.Array) throw new SlotSharpException($"{file}: field \"chat_template\" must be a string or a list of {{name, template}}");
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n) || !item.TryGetProperty("template", out var t)
                || n.ValueKind != JsonValueKind.String || t.ValueKind != JsonValueKind.String)
                throw new SlotSharpException($"{file}: every chat_template list entry needs string fields \"name\" and \"template\"");
            named[n.GetString()!] = t.GetString()!;
        }
        return (named.GetValueOrDefault("default"), named);
    }

    /// <summary>Copy with the chat template taken from a separate chat_template.jinja file.</summary>
    public TokenizerConfig WithChatTemplate(string template) => new()
    {
        BosToken = BosToken, EosToken = EosToken, PadToken = PadToken, UnkToken = UnkToken,
        AddBosToken = AddBosToken, AddEosToken = AddEosToken, CleanUpTokenizationSpaces = CleanUpTokenizationSpaces,
        ModelMaxLength = ModelMaxLength, ChatTemplate = template, NamedChatTemplates = NamedChatTemplates,
    };
}
