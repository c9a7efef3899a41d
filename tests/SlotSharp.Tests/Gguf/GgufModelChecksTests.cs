using SlotSharp.Gguf;
using static SlotSharp.Tests.Gguf.GgufMetadataEdit;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// Metadata values llama.cpp asserts on (the process ends with SIGABRT) are refused before native code sees the file:
/// one key of a converted tiny GGUF changed, <see cref="GgufModelChecks"/> names the file, key and value. Child-process
/// cases show the abort is gone from `slot generate`: exit 2 and one line, where before this check it was exit 134
/// (an empty metadata string: exit 70, LLamaSharp's ArgumentNullException).
/// </summary>
public sealed class GgufModelChecksTests(ConvertedModels models) : IClassFixture<ConvertedModels>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-gguf-checks-").FullName;

    /// <summary>Case name → (key without the "{arch}." prefix where it starts with '.', the change).</summary>
    static readonly Dictionary<string, (string Key, Func<GgufHeader, string, byte[]?> Value)> Mutations = new()
    {
        ["BlockCountZero"] = (".block_count", (_, _) => U32(0)),
        ["BlockCountTwoToThe31"] = (".block_count", (_, _) => U32(1u << 31)),
        ["BlockCountOverMaxLayers"] = (".block_count", (_, _) => U32(513)),
        ["ContextLengthZero"] = (".context_length", (_, _) => U32(0)),
        ["EmbeddingLengthZero"] = (".embedding_length", (_, _) => U32(0)),
        ["FeedForwardLengthZero"] = (".feed_forward_length", (_, _) => U32(0)),
        ["HeadCountZero"] = (".attention.head_count", (_, _) => U32(0)),
        ["HeadCountKvZero"] = (".attention.head_count_kv", (_, _) => U32(0)),
        ["HeadCountKvNotDividingHeads"] = (".attention.head_count_kv", (h, a) => U32((uint)h.Integer(a + ".attention.head_count")!.Value + 1)),
        ["HeadCountKvPerLayerWithAZero"] = (".attention.head_count_kv", (h, a) =>
            UInt32s(Enumerable.Range(0, (int)h.Integer(a + ".block_count")!.Value).Select(i => i == 0 ? 0u : 1u).ToArray())),
        ["RmsEpsilonMinusOne"] = (".attention.layer_norm_rms_epsilon", (_, _) => F32(-1)),
        ["RmsEpsilonNaN"] = (".attention.layer_norm_rms_epsilon", (_, _) => F32(float.NaN)),
        ["RmsEpsilonZero"] = (".attention.layer_norm_rms_epsilon", (_, _) => F32(0)),
        ["RmsEpsilonInfinite"] = (".attention.layer_norm_rms_epsilon", (_, _) => F32(float.PositiveInfinity)),
        ["LayerNormEpsilonNaN"] = (".attention.layer_norm_epsilon", (_, _) => F32(float.NaN)),
        ["RopeFreqBaseNaN"] = (".rope.freq_base", (_, _) => F32(float.NaN)),
        ["RopeFreqBaseMinusOne"] = (".rope.freq_base", (_, _) => F32(-1)),
        ["RopeScalingFactorInfinite"] = (".rope.scaling.factor", (_, _) => F32(float.NegativeInfinity)),
        ["RopeScalingTypeUnknown"] = (".rope.scaling.type", (_, _) => Str("cubic")),
        ["RopeDimensionOverHeadSize"] = (".rope.dimension_count", (_, _) => U32(1 << 20)),
        ["RopeDimensionUnderHeadSize"] = (".rope.dimension_count", (h, a) => U32((uint)h.Integer(a + ".attention.key_length")!.Value / 2)),
        ["KeyLengthNotValueLength"] = (".attention.key_length", (h, a) => U32((uint)h.Integer(a + ".attention.value_length")!.Value * 2)),
        ["Qwen2HeadCountTimesHeadSizeNotTheWidth"] = (".attention.head_count", (h, a) => U32((uint)h.Integer(a + ".attention.head_count_kv")!.Value)),
        ["GeneralNameEmpty"] = ("general.name", (_, _) => Str("")),
        ["ExpertCountOverLimit"] = (".expert_count", (_, _) => U32(513)),
        ["ExpertUsedWithoutExperts"] = (".expert_used_count", (_, _) => U32(2)),
        ["ExpertsWithNoneUsed"] = (".expert_count", (_, _) => U32(4)),
        ["ExpertGroupsWithoutExperts"] = (".expert_group_count", (_, _) => U32(2)),
        ["TokenizerModelBert"] = ("tokenizer.ggml.model", (_, _) => Str("bert")),
        ["TokenizerModelNone"] = ("tokenizer.ggml.model", (_, _) => Str("none")),
        ["TokenizerModelUnknown"] = ("tokenizer.ggml.model", (_, _) => Str("t5")),
        ["TokensDuplicated"] = ("tokenizer.ggml.tokens", (h, _) =>
        {
            var t = GgufTokenizerMetadata.Tokens(h)!.ToArray();
            t[1] = t[0];
            return Strings(t);
        }),
        ["TokensEmptyCollidingWithItsPlaceholder"] = ("tokenizer.ggml.tokens", (h, _) =>
        {
            var t = GgufTokenizerMetadata.Tokens(h)!.ToArray();
            t[1] = "";
            t[2] = "[EMPTY_1]";
            return Strings(t);
        }),
        ["TokensAreIntegers"] = ("tokenizer.ggml.tokens", (h, _) => Int32s(Enumerable.Range(0, GgufTokenizerMetadata.Tokens(h)!.Length).ToArray())),
        ["ScoresShort"] = ("tokenizer.ggml.scores", (h, _) => Float32s(new float[GgufTokenizerMetadata.Tokens(h)!.Length - 1])),
        ["ScoresAreStrings"] = ("tokenizer.ggml.scores", (h, _) => Strings(GgufTokenizerMetadata.Tokens(h)!)),
        ["TokenTypesShort"] = ("tokenizer.ggml.token_type", (h, _) => Int32s(new int[GgufTokenizerMetadata.Tokens(h)!.Length - 1])),
        ["TokenTypesAreStrings"] = ("tokenizer.ggml.token_type", (h, _) => Strings(GgufTokenizerMetadata.Tokens(h)!)),
        ["MergesAreIntegers"] = ("tokenizer.ggml.merges", (_, _) => Int32s([1, 2, 3])),
        ["BosIdPastTheVocabulary"] = ("tokenizer.ggml.bos_token_id", (h, _) => U32((uint)GgufTokenizerMetadata.Tokens(h)!.Length)),
        ["EosIdNegative"] = ("tokenizer.ggml.eos_token_id", (_, _) => I32(-1)),
        ["PaddingIdHuge"] = ("tokenizer.ggml.padding_token_id", (_, _) => U64(ulong.MaxValue)),
    };

    public static IEnumerable<object[]> Cases() =>
        from model in new[] { "tiny-qwen2", "stories260K" } from name in Mutations.Keys select new object[] { model, name };

    /// <summary>The file with the case's change, and the full key it changed.</summary>
    (string Path, string Key) Mutate(string model, string name)
    {
        var source = models.F32(model);
        GgufHeader header;
        using (var f = GgufFile.Open(source)) header = f.Header;
        var arch = header.String("general.architecture")!;
        var (key, value) = Mutations[name];
        if (key.StartsWith('.')) key = arch + key;
        Skip.If(name == "MergesAreIntegers" && !header.Metadata.ContainsKey(key), $"{model} has no merges");
        Skip.If(name.StartsWith("Qwen2", StringComparison.Ordinal) && arch != "qwen2", $"{model} is not qwen2");
        var path = System.IO.Path.Combine(_dir, $"{model}-{name}.gguf");
        new GgufMetadataEdit(source).Set(key, value(header, arch)!).WriteTo(path);
        return (path, key);
    }

    [SkippableFact]
    public void ConvertedTinyModelsPassTheChecks()
    {
        foreach (var model in new[] { "tiny-qwen2", "stories260K" })
        {
            using var f = GgufFile.Open(models.F32(model));
            GgufModelChecks.Check(f);
            // The rewriter alone changes nothing the checks or the reader see.
            var copy = System.IO.Path.Combine(_dir, model + "-copy.gguf");
            new GgufMetadataEdit(f.Path).WriteTo(copy);
            using var c = GgufFile.Open(copy);
            GgufModelChecks.Check(c);
            Assert.Equal(f.Header.Metadata.Count, c.Header.Metadata.Count);
        }
    }

    /// <summary>Layers without attention or feed-forward are another architecture's to have (deci, hybrids): not refused.</summary>
    [SkippableFact]
    public void ZeroPerLayerCountsAreLeftToArchitecturesOtherThanLlamaAndQwen2()
    {
        var path = System.IO.Path.Combine(_dir, "deci.gguf");
        new GgufMetadataEdit(models.F32("tiny-qwen2")).Set("general.architecture", Str("deci")).Set("deci.block_count", U32(2))
            .Set("deci.context_length", U32(512)).Set("deci.embedding_length", U32(64))
            .Set("deci.attention.head_count", UInt32s([0, 4])).Set("deci.attention.head_count_kv", UInt32s([0, 2]))
            .Set("deci.feed_forward_length", UInt32s([0, 160])).WriteTo(path);
        using var f = GgufFile.Open(path);
        GgufModelChecks.Check(f);
        // The same counts under qwen2 are refused.
        var qwen = System.IO.Path.Combine(_dir, "qwen2-zero-heads.gguf");
        new GgufMetadataEdit(models.F32("tiny-qwen2")).Set("qwen2.attention.head_count", UInt32s([0, 4])).WriteTo(qwen);
        using var q = GgufFile.Open(qwen);
        Assert.Contains("qwen2.attention.head_count[0] = 0", Assert.Throws<SlotSharpException>(() => GgufModelChecks.Check(q)).Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void AValueLlamaCppAbortsOnIsRefusedNamingFileAndKey(string model, string name)
    {
        var (path, key) = Mutate(model, name);
        using var f = GgufFile.Open(path);
        var e = Assert.Throws<SlotSharpException>(() => GgufModelChecks.Check(f));
        Assert.StartsWith($"{path}: {key}", e.Message, StringComparison.Ordinal);
        Assert.Contains(" = ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>The values the issue found ending `slot generate` with SIGABRT (exit 134), now exit 2 and one line.</summary>
    [SkippableTheory]
    [InlineData("tiny-qwen2", "BlockCountZero")]
    [InlineData("tiny-qwen2", "BlockCountTwoToThe31")]
    [InlineData("stories260K", "RmsEpsilonMinusOne")]
    [InlineData("tiny-qwen2", "RmsEpsilonNaN")]
    [InlineData("tiny-qwen2", "ExpertCountOverLimit")]
    [InlineData("stories260K", "TokenizerModelBert")]
    [InlineData("tiny-qwen2", "TokenizerModelNone")]
    [InlineData("tiny-qwen2", "TokensDuplicated")]
    [InlineData("stories260K", "TokensAreIntegers")]
    [InlineData("tiny-qwen2", "RopeDimensionUnderHeadSize")]
    [InlineData("tiny-qwen2", "Qwen2HeadCountTimesHeadSizeNotTheWidth")]
    [InlineData("stories260K", "GeneralNameEmpty")]
    public void GenerateOnAFileLlamaCppAbortsOnExitsTwoWithOneLine(string model, string name)
    {
        var (path, key) = Mutate(model, name);
        var (code, _, stderr) = SlotProcess.Run(new Dictionary<string, string> { ["GGML_NO_BACKTRACE"] = "1" },
            "generate", "--model", path, "--prompt-ids", "1,2,3", "--max-new-tokens", "2");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(key, lines[0], StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
