using System.Text;
using System.Text.Json;

namespace SlotSharp.Tokenization;

/// <summary>
/// Builds the pipeline components from a parsed tokenizer.json. Any component type this port does not
/// implement fails here, at load, with the file and the component type in the message, never at encode time.
/// </summary>
sealed class TokenizerJson(string file, TokenizerOptions options)
{
    public HfTokenizer Build(JsonElement root, TokenizerConfig config)
    {
        var added = root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array
            ? at.EnumerateArray().Select(ReadAddedToken).ToList() : [];
        var normalizer = Optional(root, "normalizer", Normalizer);
        var preTokenizer = Optional(root, "pre_tokenizer", PreTokenizer);
        bool byteLevel = ExtractByteLevel(ref preTokenizer);
        var model = Model(Required(root, "model"), byteLevel);
        added = AssignIds(added, model);
        var postProcessor = Optional(root, "post_processor", PostProcessor) ?? new PassThroughPostProcessor();
        var decoder = Optional(root, "decoder", Decoder);
        return new HfTokenizer(model, added, normalizer, preTokenizer, postProcessor, decoder, config);
    }

    // ---------- helpers ----------

    SlotSharpException Bad(string message) => new($"{file}: {message}");

    SlotSharpException Unsupported(string kind, string type, string supported) =>
        Bad($"unsupported {kind} type \"{type}\" (this tokenizer port implements: {supported})");

    JsonElement Required(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : throw Bad($"missing field \"{name}\"");

    static T? Optional<T>(JsonElement e, string name, Func<JsonElement, T> read) where T : class =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? read(v) : null;

    string Str(JsonElement e, string name) => Required(e, name).GetString() ?? throw Bad($"field \"{name}\" is not a string");

    static string? OptStr(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static bool Bool(JsonElement e, string name, bool fallback = false) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    string TypeOf(JsonElement e, string kind) =>
        e.TryGetProperty("type", out var t) && t.GetString() is { } s ? s : throw Bad($"{kind} without a \"type\" field");

    char SingleChar(JsonElement e, string name)
    {
        var s = Str(e, name);
        return s.Length == 1 ? s[0] : throw Bad($"field \"{name}\" must be one character, got \"{s}\"");
    }

    /// <summary>{"String": "x"} or {"Regex": "..."}.</summary>
    (string? Literal, string? Regex) Pattern(JsonElement e)
    {
        var p = Required(e, "pattern");
        if (p.TryGetProperty("String", out var s)) return (s.GetString(), null);
        if (p.TryGetProperty("Regex", out var r)) return (null, r.GetString());
        throw Bad("pattern must be {\"String\": ...} or {\"Regex\": ...}");
    }

    AddedToken ReadAddedToken(JsonElement e) => new(
        Required(e, "id").GetInt32(), Str(e, "content"), Bool(e, "special"),
        Bool(e, "single_word"), Bool(e, "lstrip"), Bool(e, "rstrip"), Bool(e, "normalized"));

    /// <summary>
    /// HF tokenizers ignores the "id" fields of added_tokens when loading (it only warns on a mismatch) and adds
    /// the tokens in order: a content already in the model vocab takes that id, otherwise the next free id
    /// after the vocab and earlier added tokens. Real files agree with this; reproducing it keeps odd files exact.
    /// </summary>
    static List<AddedToken> AssignIds(List<AddedToken> tokens, BpeModel model)
    {
        var result = new List<AddedToken>(tokens.Count);
        var seen = new HashSet<string>();
        int vocabCount = model.Vocab.Count, maxAssigned = -1;
        foreach (var t in tokens)
        {
            if (t.Content.Length == 0 || !seen.Add(t.Content)) continue;
            int id = model.Vocab.TryGetValue(t.Content, out var inVocab) ? inVocab
                : maxAssigned < 0 ? vocabCount : maxAssigned >= vocabCount ? maxAssigned + 1 : vocabCount;
            maxAssigned = Math.Max(maxAssigned, id);
            result.Add(t with { Id = id });
        }
        return result;
    }

    // ---------- components ----------

    INormalizer Normalizer(JsonElement e)
    {
        var type = TypeOf(e, "normalizer");
        return type switch
        {
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Prepend" => new PrependNormalizer(Str(e, "prepend")),
            "Replace" => ReplaceOf(e, "Replace normalizer"),
            "Sequence" => new SequenceNormalizer(Required(e, "normalizers").EnumerateArray().Select(Normalizer).ToList()),
            _ => throw Unsupported("normalizer", type, "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Sequence"),
        };
    }

    ReplaceNormalizer ReplaceOf(JsonElement e, string component)
    {
        var (literal, regex) = Pattern(e);
        return new ReplaceNormalizer(literal, regex == null ? null : Regex(regex, component), Str(e, "content"));
    }

    CodePointRegex Regex(string pattern, string component) => new(pattern, options.RegexMatchTimeout, $"{file} ({component})");

    IPreTokenizer PreTokenizer(JsonElement e)
    {
        var type = TypeOf(e, "pre_tokenizer");
        switch (type)
        {
            case "Split":
                var (literal, regex) = Pattern(e);
                var behavior = Str(e, "behavior");
                if (!Enum.TryParse<SplitBehavior>(behavior, out var b)) throw Bad($"Split: unknown behavior \"{behavior}\"");
                return new SplitPreTokenizer(Regex(regex ?? System.Text.RegularExpressions.Regex.Escape(literal!), "Split pre-tokenizer"),
                    b, Bool(e, "invert"));
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Bool(e, "add_prefix_space"), Bool(e, "use_regex", true));
            case "Metaspace":
                return new MetaspacePreTokenizer(SingleChar(e, "replacement"), Scheme(e), Bool(e, "split", true));
            case "Digits":
                return new DigitsPreTokenizer(Bool(e, "individual_digits"));
            case "Sequence":
                return new SequencePreTokenizer(Required(e, "pretokenizers").EnumerateArray().Select(PreTokenizer).ToList());
            default:
                throw Unsupported("pre_tokenizer", type, "Split, ByteLevel, Metaspace, Digits, Sequence");
        }
    }

    /// <summary>prepend_scheme, or the older add_prefix_space flag.</summary>
    PrependScheme Scheme(JsonElement e) => OptStr(e, "prepend_scheme") switch
    {
        "always" => PrependScheme.Always,
        "first" => PrependScheme.First,
        "never" => PrependScheme.Never,
        null => Bool(e, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never,
        var s => throw Bad($"Metaspace: unknown prepend_scheme \"{s}\""),
    };

    /// <summary>
    /// Byte-level mapping is done by the model, so ByteLevel must be the last pre-tokenizer step; an identity
    /// ByteLevel step (no prefix space, no regex: Qwen, Llama-3) is dropped from the chain.
    /// </summary>
    bool ExtractByteLevel(ref IPreTokenizer? pre)
    {
        if (pre is ByteLevelPreTokenizer only)
        {
            if (only.IsIdentity) pre = null;
            return true;
        }
        if (pre is not SequencePreTokenizer seq) return false;
        var steps = seq.Steps.ToList();
        int index = steps.FindIndex(s => s is ByteLevelPreTokenizer);
        if (index < 0)
        {
            if (Flatten(seq).Any(s => s is ByteLevelPreTokenizer)) throw Bad("ByteLevel inside a nested pre_tokenizer Sequence is not supported");
            return false;
        }
        if (index != steps.Count - 1) throw Bad("ByteLevel pre_tokenizer must be the last step of the Sequence in this port");
        if (((ByteLevelPreTokenizer)steps[index]).IsIdentity) steps.RemoveAt(index);
        pre = steps.Count == 1 ? steps[0] : new SequencePreTokenizer(steps);
        return true;
    }

    static IEnumerable<IPreTokenizer> Flatten(IPreTokenizer p) =>
        p is SequencePreTokenizer s ? s.Steps.SelectMany(Flatten) : [p];

    BpeModel Model(JsonElement e, bool byteLevel)
    {
        var type = OptStr(e, "type") ?? "BPE";
        if (type != "BPE") throw Unsupported("model", type, "BPE");
        if (e.TryGetProperty("dropout", out var d) && d.ValueKind == JsonValueKind.Number && d.GetDouble() > 0)
            throw Bad("BPE dropout is not supported (encoding would not be deterministic)");
        var vocabJson = Required(e, "vocab");
        var vocab = new Dictionary<string, int>(vocabJson.GetPropertyCount());
        foreach (var kv in vocabJson.EnumerateObject()) vocab[kv.Name] = VocabId(kv);
        var options = new BpeOptions(OptStr(e, "unk_token"), Bool(e, "fuse_unk"), Bool(e, "byte_fallback"), Bool(e, "ignore_merges"),
            OptStr(e, "continuing_subword_prefix"), OptStr(e, "end_of_word_suffix"));
        try { return new BpeModel(vocab, ReadMerges(Required(e, "merges"), vocab, options), options, byteLevel); }
        catch (InvalidDataException ex) { throw Bad(ex.Message); }
    }

    /// <summary>
    /// The id of one vocab entry. The id-to-token table is sized by the largest id, so an id is bounded by
    /// <see cref="TokenizerOptions.MaxTokenId"/>: one entry with id 978309063 would otherwise ask for gigabytes.
    /// </summary>
    int VocabId(JsonProperty entry)
    {
        if (entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0 && id < options.MaxTokenId)
            return id;
        throw Bad($"vocab entry \"{entry.Name}\" must have an integer id in [0, {options.MaxTokenId}) (TokenizerOptions.MaxTokenId)");
    }

    /// <summary>
    /// Merges as ["a","b"] pairs or the older "a b" strings (exactly one space). Values are read from the raw
    /// UTF-8 into a reused buffer; only strings with JSON escapes go through GetString.
    /// </summary>
    Dictionary<long, (int, int)> ReadMerges(JsonElement merges, Dictionary<string, int> vocab, BpeOptions options)
    {
        var builder = new MergeTableBuilder(vocab, options.ContinuingSubwordPrefix, merges.GetArrayLength());
        var left = new char[1024];
        var right = new char[1024];
        foreach (var m in merges.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array)
            {
                if (m.GetArrayLength() != 2) throw Bad($"merge {m.GetRawText()} is not a pair");
                builder.Add(Chars(m[0], left), Chars(m[1], right));
                continue;
            }
            var s = Chars(m, left);
            int sp = s.IndexOf(' ');
            if (sp < 0 || s[(sp + 1)..].Contains(' ')) throw Bad($"merge \"{s}\" is not of the form \"a b\"");
            builder.Add(s[..sp], s[(sp + 1)..]);
        }
        return builder.Table;
    }

    ReadOnlySpan<char> Chars(JsonElement value, char[] buffer)
    {
        if (value.ValueKind != JsonValueKind.String) throw Bad($"merge part {value.GetRawText()} is not a string");
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"') raw = raw[1..^1];
        if (raw.Contains((byte)'\\') || Encoding.UTF8.GetMaxCharCount(raw.Length) > buffer.Length) return value.GetString();
        int n = Encoding.UTF8.GetChars(raw, buffer);
        return buffer.AsSpan(0, n);
    }

    IPostProcessor PostProcessor(JsonElement e)
    {
        var type = TypeOf(e, "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return new PassThroughPostProcessor();
            case "TemplateProcessing":
                var specials = Required(e, "special_tokens");
                var single = new List<int[]?>();
                foreach (var item in Required(e, "single").EnumerateArray())
                {
                    if (item.TryGetProperty("Sequence", out var seq))
                    {
                        if (Str(seq, "id") != "A") throw Bad("TemplateProcessing: the single template may only use sequence $A");
                        single.Add(null);
                    }
                    else if (item.TryGetProperty("SpecialToken", out var st))
                    {
                        var name = Str(st, "id");
                        if (!specials.TryGetProperty(name, out var spec)) throw Bad($"TemplateProcessing: special token \"{name}\" is not in special_tokens");
                        single.Add(Required(spec, "ids").EnumerateArray().Select(x => x.GetInt32()).ToArray());
                    }
                    else throw Bad("TemplateProcessing: template items must be Sequence or SpecialToken");
                }
                return new TemplatePostProcessor(single);
            case "BertProcessing":
            case "RobertaProcessing":
                return new ClsSepPostProcessor(Required(e, "cls")[1].GetInt32(), Required(e, "sep")[1].GetInt32());
            case "Sequence":
                return new SequencePostProcessor(Required(e, "processors").EnumerateArray().Select(PostProcessor).ToList());
            default:
                throw Unsupported("post_processor", type, "TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence");
        }
    }

    IDecoder Decoder(JsonElement e)
    {
        var type = TypeOf(e, "decoder");
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(SingleChar(e, "content"), Required(e, "start").GetInt32(), Required(e, "stop").GetInt32()),
            "Replace" => new ReplaceDecoder(ReplaceOf(e, "Replace decoder")),
            "Metaspace" => new MetaspaceDecoder(SingleChar(e, "replacement"), Scheme(e)),
            "Sequence" => new SequenceDecoder(Required(e, "decoders").EnumerateArray().Select(Decoder).ToList()),
            _ => throw Unsupported("decoder", type, "ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, Sequence"),
        };
    }
}
