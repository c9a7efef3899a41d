namespace SlotSharp.Gguf;

/// <summary>
/// The metadata values llama.cpp asserts on (GGML_ASSERT, which ends the process) or divides by, checked before native
/// code sees the file, so that a bad value is a <see cref="SlotSharpException"/> naming the file, key and value instead
/// of a SIGABRT. Each rule mirrors what llama.cpp's loader (llama-model.cpp load_hparams and the llama/qwen2
/// load_arch_hparams, llama-vocab.cpp load, ggml-cpu's norms) accepts; values llama.cpp itself refuses with an error
/// (missing keys, wrong types, missing tensors) are left to it.
/// </summary>
internal static class GgufModelChecks
{
    /// <summary>llama-hparams.h LLAMA_MAX_LAYERS.</summary>
    public const int MaxLayers = 512;
    /// <summary>llama-hparams.h LLAMA_MAX_EXPERTS.</summary>
    public const int MaxExperts = 512;

    /// <summary>Tokenizer models SlotSharp's llama.cpp path handles: SentencePiece ("llama") and byte-level BPE ("gpt2").</summary>
    static readonly string[] TokenizerModels = ["llama", "gpt2"];
    /// <summary>Architectures whose graph asserts equal key, value and rotated head sizes (SlotSharp's converter writes both).</summary>
    static readonly string[] SameHeadArchitectures = ["llama", "qwen2"];
    /// <summary>llama-model.cpp LLAMA_ROPE_SCALING_TYPES.</summary>
    static readonly string[] RopeScalingTypes = ["none", "linear", "yarn", "longrope"];

    static readonly string[] SpecialIdKeys =
    [
        "bos_token_id", "eos_token_id", "eot_token_id", "eom_token_id", "unknown_token_id", "seperator_token_id",
        "padding_token_id", "mask_token_id", "fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id",
        "fim_pad_token_id", "fim_rep_token_id", "fim_sep_token_id", "prefix_token_id", "suffix_token_id", "middle_token_id",
    ];

    public static void Check(GgufFile file) => Check(file.Header, file.Path);

    /// <summary>Throws a <see cref="SlotSharpException"/> "{source}: {key} = {value}: {why}" for the first value llama.cpp would abort on.</summary>
    public static void Check(GgufHeader header, string source)
    {
        ArgumentNullException.ThrowIfNull(header);
        var c = new Checker(header, source);
        var arch = header.String("general.architecture")
                   ?? throw new SlotSharpException($"{source}: general.architecture is missing or not a string");
        // LLamaSharp's LLamaWeights reads every metadata value as a string after the load; an empty one ends in an
        // ArgumentNullException there (SafeLlamaModelHandle.ReadMetadata, LLamaSharp 0.30.0).
        foreach (var (key, value) in header.Metadata)
            if (value is "") c.Fail(key, "\"\"", "an empty metadata string (LLamaSharp cannot read one)");
        CheckHyperparameters(c, arch + ".");
        CheckVocabulary(c);
    }

    static void CheckHyperparameters(Checker c, string p)
    {
        // llama-model.cpp load_hparams: GGML_ASSERT(hparams.n_layer_all > 0 && hparams.n_layer_all <= LLAMA_MAX_LAYERS)
        long? layers = c.Int(p + "block_count", 1, MaxLayers);
        c.Int(p + "context_length", 1, int.MaxValue);
        long? embd = c.Int(p + "embedding_length", 1, int.MaxValue);
        // Other architectures may have layers without attention or feed-forward (deci, hybrids) or no heads at all
        // (mamba: llama.cpp's "n_head() == 0" branch): 0 is theirs to use; llama and qwen2 need every one.
        bool dense = SameHeadArchitectures.Contains(p[..^1], StringComparer.Ordinal);
        long minCount = dense ? 1 : 0;
        c.IntOrPerLayer(p + "feed_forward_length", minCount, int.MaxValue, layers);

        // load_hparams: n_expert <= LLAMA_MAX_EXPERTS, n_expert_used <= n_expert, > 0 when there are experts, else 0;
        // expert groups fewer than experts, dividing them, group_used in 1..groups-1.
        long experts = c.Int(p + "expert_count", 0, MaxExperts) ?? 0;
        long used = c.Int(p + "expert_used_count", 0, MaxExperts) ?? 0;
        long groups = c.Int(p + "expert_group_count", 0, MaxExperts) ?? 0;
        long groupUsed = c.Int(p + "expert_group_used_count", 0, MaxExperts) ?? 0;
        if (used > experts) c.Fail(p + "expert_used_count", used, $"more than {p}expert_count ({experts})");
        if (experts > 0)
        {
            if (used == 0) c.Fail(p + "expert_count", experts, $"needs {p}expert_used_count 1 to {experts}, not 0");
            if (groups >= experts) c.Fail(p + "expert_group_count", groups, $"must be fewer than {p}expert_count ({experts})");
            if (groups > 1)
            {
                if (experts % groups != 0) c.Fail(p + "expert_group_count", groups, $"does not divide {p}expert_count ({experts})");
                if (groupUsed == 0 || groupUsed >= groups)
                    c.Fail(p + "expert_group_used_count", groupUsed, $"must be 1 to {groups - 1} with {groups} groups");
            }
        }
        else if (groups != 0) c.Fail(p + "expert_group_count", groups, "must be 0 without experts");

        // Heads: the graph divides by them (n_embd / n_head, n_head / n_head_kv); zero or non-dividing counts crash it.
        long[]? heads = c.IntOrPerLayer(p + "attention.head_count", minCount, int.MaxValue, layers);
        long[]? kvHeads = c.IntOrPerLayer(p + "attention.head_count_kv", minCount, int.MaxValue, layers);
        long? keyLength = c.Int(p + "attention.key_length", 1, int.MaxValue);
        long? valueLength = c.Int(p + "attention.value_length", 1, int.MaxValue);
        long? rot = c.Int(p + "rope.dimension_count", 0, int.MaxValue);
        if (heads is { Length: > 0 } && heads[0] > 0)
        {
            for (int i = 0; i < heads.Length; i++)
            {
                if (heads[i] == 0) continue;
                if (embd is long e && (keyLength is null || valueLength is null) && e % heads[i] != 0)
                    c.Fail(p + "attention.head_count", heads[i], $"does not divide {p}embedding_length ({e})");
                if (kvHeads != null && i < kvHeads.Length && kvHeads[i] > 0 && heads[i] % kvHeads[i] != 0)
                    c.Fail(p + "attention.head_count_kv", kvHeads[i], $"does not divide {p}attention.head_count ({heads[i]})");
            }
            // load_hparams: key and value lengths default to n_embd / n_head, the rotated dimensions to the key length.
            long headK = keyLength ?? (embd is long ek ? ek / heads[0] : 0);
            long headV = valueLength ?? (embd is long ev ? ev / heads[0] : 0);
            long rotated = rot ?? headK;
            if (rotated > headK && headK > 0)
                c.Fail(p + "rope.dimension_count", rotated, $"exceeds the head size ({headK})");
            // models/llama.cpp:102-103 and models/qwen2.cpp:56-57, building the graph (the first request):
            // GGML_ASSERT(n_embd_head_v == n_embd_head_k) and GGML_ASSERT(n_embd_head_v == n_rot).
            if (dense && headK > 0 && headV > 0)
            {
                if (headK != headV)
                    c.Fail(keyLength is null ? p + "attention.value_length" : p + "attention.key_length", keyLength ?? headV,
                        $"the key length ({headK}) and value length ({headV}) must be equal for {p[..^1]}");
                if (rotated != headV)
                    c.Fail(p + "rope.dimension_count", rotated, $"must equal the head size ({headV}) for {p[..^1]}");
            }
            // models/qwen2.cpp:38-39: Q and the output projection are [n_embd, n_embd], reshaped into n_head heads of
            // n_embd_head: ggml.c:3686 GGML_ASSERT(ggml_nelements(a) == ne0*ne1*ne2) unless they multiply to n_embd.
            if (p == "qwen2." && embd is long width && headV > 0)
                foreach (var h in heads)
                    if (h * headV != width)
                        c.Fail(p + "attention.head_count", h, $"times the head size ({headV}) must equal {p}embedding_length ({width})");
        }

        // ggml-cpu ops.cpp (rms_norm, norm): GGML_ASSERT(eps >= 0.0f), on the first request. Finite and positive.
        c.Positive(p + "attention.layer_norm_rms_epsilon");
        c.Positive(p + "attention.layer_norm_epsilon");
        // Rope: a NaN or infinite base or factor turns every position into NaN.
        c.Positive(p + "rope.freq_base");
        c.NonNegative(p + "rope.scaling.factor");
        c.NonNegative(p + "rope.scale_linear");
        c.NonNegative(p + "rope.scaling.attn_factor");
        c.Int(p + "rope.scaling.original_context_length", 0, int.MaxValue);
        // load_hparams: GGML_ASSERT(rope_scaling_type_train != LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED)
        if (c.Has(p + "rope.scaling.type"))
        {
            var type = c.String(p + "rope.scaling.type");
            if (!RopeScalingTypes.Contains(type, StringComparer.Ordinal))
                c.Fail(p + "rope.scaling.type", $"\"{type}\"", $"llama.cpp knows {string.Join(", ", RopeScalingTypes)}");
        }
    }

    static void CheckVocabulary(Checker c)
    {
        // llama-vocab.cpp load: "none"/"no_vocab" leave a vocabulary of type NONE that asserts on first use; "bert"
        // (WPM) and the others are not what SlotSharp's path tokenizes with. Without the key llama.cpp refuses itself.
        const string modelKey = "tokenizer.ggml.model";
        if (c.Has(modelKey))
        {
            var model = c.String(modelKey);
            if (!TokenizerModels.Contains(model, StringComparer.Ordinal))
                c.Fail(modelKey, $"\"{model}\"", $"SlotSharp runs llama.cpp with {string.Join(" or ", TokenizerModels.Select(m => $"\"{m}\""))} vocabularies");
        }
        const string tokensKey = "tokenizer.ggml.tokens";
        if (!c.Has(tokensKey)) return; // llama.cpp: "cannot find tokenizer vocab in model file"
        var tokens = c.TypedArray<string>(tokensKey, "strings"); // gguf.cpp gguf_get_arr_str: GGML_ASSERT(type == STRING)
        if (tokens.Length == 0) c.Fail(tokensKey, "[]", "the vocabulary is empty");
        // llama-vocab.cpp load: GGML_ASSERT(id_to_token.size() == token_to_id.size()); an empty token reads as "[EMPTY_i]".
        var seen = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            var word = tokens[i].Length == 0 ? $"[EMPTY_{i}]" : tokens[i];
            if (!seen.TryAdd(word, i)) c.Fail(tokensKey, $"\"{word}\"", $"token {i} repeats token {seen[word]}");
        }
        // load: scores are read as float32s and types as int32s, one per token.
        c.ParallelArray<double>("tokenizer.ggml.scores", "float32s", tokens.Length);
        c.ParallelArray<long>("tokenizer.ggml.token_type", "integers", tokens.Length);
        if (c.Has("tokenizer.ggml.merges")) c.TypedArray<string>("tokenizer.ggml.merges", "strings");
        foreach (var name in SpecialIdKeys)
            c.Int("tokenizer.ggml." + name, 0, tokens.Length - 1);
    }

    sealed class Checker(GgufHeader header, string source)
    {
        public bool Has(string key) => header.Metadata.ContainsKey(key);

        public void Fail(string key, object value, string why) =>
            throw new SlotSharpException($"{source}: {key} = {Show(value)}: {why}");

        static string Show(object value) => value switch
        {
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            object[] a => $"array of {a.Length}",
            bool b => b ? "true" : "false",
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };

        public string String(string key) => header.Metadata[key] as string ?? throw Bad(key, "is not a string");

        SlotSharpException Bad(string key, string why) =>
            new($"{source}: {key} = {Show(header.Metadata[key])}: {why}");

        /// <summary>The integer value of <paramref name="key"/> in [min, max], or null when absent.</summary>
        public long? Int(string key, long min, long max)
        {
            if (!header.Metadata.TryGetValue(key, out var v)) return null;
            return Bounded(key, v, min, max);
        }

        long Bounded(string key, object v, long min, long max)
        {
            if (v is ulong u) Fail(key, u, $"must be {min} to {max}");
            if (v is not long l) throw Bad(key, "is not an integer");
            if (l < min || l > max) Fail(key, l, $"must be {min} to {max}");
            return l;
        }

        /// <summary>A scalar, or (llama.cpp's get_key_or_arr) an array of one value per layer; each in [min, max].</summary>
        public long[]? IntOrPerLayer(string key, long min, long max, long? layers)
        {
            if (!header.Metadata.TryGetValue(key, out var v)) return null;
            if (v is not object[] items) return [Bounded(key, v, min, max)];
            if (layers is long n && items.Length != n) Fail(key, items, $"has {items.Length} entries for {n} layers");
            if (items.Length == 0) Fail(key, items, "is an empty array");
            var values = new long[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is not long l) throw Bad(key, $"entry {i} is not an integer");
                if (l < min || l > max) Fail($"{key}[{i}]", l, $"must be {min} to {max}");
                values[i] = l;
            }
            return values;
        }

        double? Float(string key)
        {
            if (!header.Metadata.TryGetValue(key, out var v)) return null;
            return v switch
            {
                double d => d,
                long l => l,
                _ => throw Bad(key, "is not a number"),
            };
        }

        public void Positive(string key)
        {
            if (Float(key) is double d && !(double.IsFinite(d) && d > 0)) Fail(key, d, "must be a finite number above 0");
        }

        public void NonNegative(string key)
        {
            if (Float(key) is double d && !(double.IsFinite(d) && d >= 0)) Fail(key, d, "must be a finite number, 0 or above");
        }

        public T[] TypedArray<T>(string key, string what)
        {
            if (header.Metadata[key] is not object[] items) throw Bad(key, $"is not an array of {what}");
            var typed = new T[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is not T t) throw Bad(key, $"entry {i} is {Describe(items[i])}, not one of {what}");
                typed[i] = t;
            }
            return typed;
        }

        public void ParallelArray<T>(string key, string what, int count)
        {
            if (!Has(key)) return;
            var items = TypedArray<T>(key, what);
            if (items.Length != count) Fail(key, header.Metadata[key], $"has {items.Length} entries for {count} tokens");
        }

        static string Describe(object o) => o switch
        {
            string => "a string",
            long or ulong => "an integer",
            double => "a number",
            bool => "a bool",
            object[] => "an array",
            _ => o.GetType().Name,
        };
    }
}
