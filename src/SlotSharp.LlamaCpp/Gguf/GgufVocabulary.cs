using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SlotSharp.Tokenization;

namespace SlotSharp.Gguf;

/// <summary>
/// The tokenizer metadata llama.cpp reads (tokenizer.ggml.*), built from a Hugging Face tokenizer.json the way
/// llama.cpp's convert_hf_to_gguf.py builds it: byte-level BPE tokenizers become model "gpt2" with merges and a
/// pre-tokenizer name; SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, stories260K) becomes model
/// "llama" with scores. Ids missing from the vocabulary up to config.json's vocab_size are "[PAD{i}]" placeholders.
/// </summary>
internal static class GgufVocabulary
{
    // llama.cpp token types (llama_token_type).
    const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>
    /// llama.cpp names a BPE pre-tokenizer by the sha256 of str(ids) of this text encoded with special tokens
    /// (convert_hf_to_gguf.py, get_vocab_base_pre); the names below are those of the families SlotSharp runs.
    /// </summary>
    const string PreTokenizerProbe = "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n\U0001F680 (normal) \U0001F636\u200d\U0001F32B\uFE0F (multiple emojis concatenated) \u2705 \U0001F999\U0001F999 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 \u1780\u17B6\u1793\u17CB\u178F\u17C2\u1796\u17B7\u179F\u17C1\u179F\u17A2\u17B6\u1785\U0001F601 ?\u6211\u60F3\u5728apple\u5DE5\u4F5C1314151\u5929\uFF5E ------======= \u043D\u0435\u0449\u043E \u043D\u0430 \u0411\u044A\u043B\u0433\u0430\u0440\u0441\u043A\u0438 ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL";

    static readonly Dictionary<string, string> PreTokenizerNames = new()
    {
        ["0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5"] = "llama-bpe",   // Llama 3
        ["c136ed14d01c2745d4f60a9596ae66800e2b61fa45643e72436041855ad4089d"] = "smaug-bpe",   // Llama 3 finetunes
        ["e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea"] = "qwen2",       // Qwen1.5 to Qwen3
        ["b3f499bb4255f8ca19fccd664443283318f2fd2414d5e0b040fbdd0cc195d6c5"] = "deepseek-r1-qwen",
    };

    public static string PreTokenizerHash(HfTokenizer tokenizer)
    {
        var ids = tokenizer.Encode(PreTokenizerProbe, addSpecialTokens: true);
        var pythonRepr = "[" + string.Join(", ", ids) + "]";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(pythonRepr)));
    }

    /// <summary>Adds the tokenizer.* keys for the model folder <paramref name="folder"/> to <paramref name="gguf"/>.</summary>
    public static void AddTo(GgufWriter gguf, string folder, int vocabSize, int? configBos, IReadOnlyList<int> configEos)
    {
        var tokenizerPath = Path.Combine(folder, "tokenizer.json");
        var tokenizer = TokenizerLoader.LoadFolder(folder);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerPath));
        var model = doc.RootElement.GetProperty("model");
        if (model.GetProperty("type").GetString() != "BPE")
            throw new SlotSharpException($"{tokenizerPath}: only BPE tokenizers can be converted to GGUF");
        bool spmStyle = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;

        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) { tokens[i] = $"[PAD{i}]"; types[i] = Unused; }
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            int id = entry.Value.GetInt32();
            if ((uint)id >= (uint)vocabSize)
                throw new SlotSharpException($"{tokenizerPath}: token id {id} is outside config.json's vocab_size {vocabSize}");
            tokens[id] = entry.Name;
            types[id] = spmStyle && IsByteToken(entry.Name) ? Byte : Normal;
        }
        foreach (var added in tokenizer.AddedTokens)
        {
            if ((uint)added.Id >= (uint)vocabSize)
                throw new SlotSharpException($"{tokenizerPath}: added token id {added.Id} is outside config.json's vocab_size {vocabSize}");
            tokens[added.Id] = added.Content;
            if (added.Special || LooksSpecial(added.Content)) types[added.Id] = Control;
            else if (!spmStyle || types[added.Id] == Unused)
            {
                // llama.cpp assumes user-defined tokens are pre-normalized: SentencePiece's space marker becomes a space.
                tokens[added.Id] = added.Content.Replace('\u2581', ' ');
                types[added.Id] = UserDefined;
            }
        }
        var merges = ReadMerges(model);

        gguf.AddString("tokenizer.ggml.model", spmStyle ? "llama" : "gpt2");
        gguf.AddString("tokenizer.ggml.pre", spmStyle ? "default" : PreTokenizerName(tokenizer, tokenizerPath));
        gguf.AddStrings("tokenizer.ggml.tokens", tokens);
        if (spmStyle) gguf.AddFloat32s("tokenizer.ggml.scores", MergeScores(tokens, merges));
        gguf.AddInt32s("tokenizer.ggml.token_type", types);
        if (!spmStyle) gguf.AddStrings("tokenizer.ggml.merges", merges.Select(m => Escape(m.Left) + " " + Escape(m.Right)).ToArray());
        AddSpecialIds(gguf, tokenizer, vocabSize, configBos, configEos);
        if (tokenizer.Config.ChatTemplate is { } template) gguf.AddString("tokenizer.chat_template", CheckedTemplate(template, folder));
    }

    /// <summary>
    /// A template that does not parse would be embedded and fail at every chat request of whoever loads the file
    /// (issue 19, defect 4): it is parsed first, with the parser the chat path uses, and refused naming its field.
    /// </summary>
    static string CheckedTemplate(string template, string folder)
    {
        try { SlotSharp.Chat.ChatTemplate.Parse(template); }
        catch (SlotSharp.Chat.ChatTemplateException e)
        {
            // TokenizerLoader takes chat_template.jinja only where tokenizer_config.json has no chat_template.
            var config = Path.Combine(folder, "tokenizer_config.json");
            var jinja = Path.Combine(folder, "chat_template.jinja");
            var where = File.Exists(jinja) && !ConfigHasTemplate(config) ? jinja : $"{config}: field 'chat_template'";
            throw new SlotSharpException($"{where} does not parse: {e.Message}");
        }
        return template;
    }

    static bool ConfigHasTemplate(string config)
    {
        if (!File.Exists(config)) return false;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
        return doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind != JsonValueKind.Null;
    }

    static string PreTokenizerName(HfTokenizer tokenizer, string path)
    {
        var hash = PreTokenizerHash(tokenizer);
        return PreTokenizerNames.TryGetValue(hash, out var name) ? name
            : throw new SlotSharpException($"{path}: llama.cpp does not know this BPE pre-tokenizer (probe hash {hash}); supported: {string.Join(", ", PreTokenizerNames.Values.Distinct())}");
    }

    static bool IsByteToken(string t) => t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
        && Uri.IsHexDigit(t[3]) && Uri.IsHexDigit(t[4]);

    // convert_hf_to_gguf.py's does_token_look_special, for added tokens not flagged special.
    static bool LooksSpecial(string t) => t is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (t.StartsWith("<|", StringComparison.Ordinal) && t.EndsWith("|>", StringComparison.Ordinal))
        || (t.StartsWith("<\uFF5C", StringComparison.Ordinal) && t.EndsWith("\uFF5C>", StringComparison.Ordinal))
        || (t.StartsWith("<unused", StringComparison.Ordinal) && t.EndsWith('>'));

    static List<(string Left, string Right)> ReadMerges(JsonElement model)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var list)) return merges;
        foreach (var m in list.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String)
            {
                var s = m.GetString()!;
                int space = s.IndexOf(' ', 1);
                if (space > 0) merges.Add((s[..space], s[(space + 1)..]));
            }
            else merges.Add((m[0].GetString()!, m[1].GetString()!));
        }
        return merges;
    }

    // llama.cpp splits merges on the space: a space inside a part is written as U+0120 + 256 offset, as its converter does.
    static string Escape(string part) => part.Replace(" ", "\u0120");

    /// <summary>
    /// llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result scores highest. Scoring each token
    /// by minus the rank of the merge that produces it makes that order the BPE merge order of tokenizer.json
    /// (llama.cpp's converter writes -1000 for every token, which loses the order).
    /// </summary>
    static float[] MergeScores(string[] tokens, List<(string Left, string Right)> merges)
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < merges.Count; r++) rank.TryAdd(merges[r].Left + merges[r].Right, r);
        return tokens.Select(t => rank.TryGetValue(t, out var r) ? -(float)(r + 1) : 0f).ToArray();
    }

    static void AddSpecialIds(GgufWriter gguf, HfTokenizer tokenizer, int vocabSize, int? configBos, IReadOnlyList<int> configEos)
    {
        int? Id(string? content, int? fallback) =>
            (content != null ? tokenizer.TokenToId(content) : null) ?? fallback;
        void Put(string key, int? id) { if (id is int v && v >= 0 && v < vocabSize) gguf.AddUInt32(key, (uint)v); }

        var config = tokenizer.Config;
        int? bos = Id(config.BosToken, configBos);
        Put("tokenizer.ggml.bos_token_id", bos);
        Put("tokenizer.ggml.eos_token_id", Id(config.EosToken, configEos.Count > 0 ? configEos[0] : null));
        Put("tokenizer.ggml.unknown_token_id", Id(config.UnkToken, null));
        Put("tokenizer.ggml.padding_token_id", Id(config.PadToken, null));
        // Whether the tokenizer itself prepends BOS decides llama.cpp's add_bos, so both tokenize alike.
        var with = tokenizer.Encode("a", addSpecialTokens: true);
        var without = tokenizer.Encode("a", addSpecialTokens: false);
        gguf.AddBool("tokenizer.ggml.add_bos_token", with.Length > without.Length && bos == with[0]);
        gguf.AddBool("tokenizer.ggml.add_eos_token", with.Length > without.Length && with[^1] != without[^1]);
    }
}
