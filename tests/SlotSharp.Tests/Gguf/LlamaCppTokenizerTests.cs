using System.Text.Json;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Tests.Tokenization;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// A GGUF-only model tokenizes through llama.cpp with the vocabulary `slot convert` wrote. The references are the
/// Hugging Face goldens (transformers.js, cross-checked with Python HF) and llama.cpp's own test vectors: a wrong
/// token type, merge, pre-tokenizer name or add_bos flag in the converted metadata shows up as a mismatch.
/// </summary>
public class LlamaCppTokenizerTests : IClassFixture<ConvertedModels>
{
    readonly ConvertedModels _models;
    public LlamaCppTokenizerTests(ConvertedModels models) => _models = models;

    /// <summary>
    /// Where llama.cpp cannot agree with HF, by design of llama.cpp's tokenizer and converter (not of SlotSharp's):
    /// llama.cpp's byte-level BPE has no NFC normalizer, so the five texts NFC changes tokenize differently; and
    /// llama.cpp makes every "&lt;|...|&gt;" added token a control token (convert_hf_to_gguf's does_token_look_special),
    /// so skipping special tokens also drops Qwen's FIM markers, which HF keeps (special: false).
    /// </summary>
    static readonly string[] KnownQwenDifferences =
    [
        "ids \"cafe\\u0301\"", "ids_no_special \"cafe\\u0301\"",
        "ids \"A\\u030Angstro\\u0308m\"", "ids_no_special \"A\\u030Angstro\\u0308m\"",
        "ids \"\\u2126 ohm sign\"", "ids_no_special \"\\u2126 ohm sign\"",
        "ids \"\\u212B angstrom sign\"", "ids_no_special \"\\u212B angstrom sign\"",
        "ids \"\\u1100\\u1161 hangul jamo\"", "ids_no_special \"\\u1100\\u1161 hangul jamo\"",
        "decoded_skip_special \"\\u003C|fim_prefix|\\u003Ea\\u003C|fim_suffix|\\u003Eb\\u003C|fim_middle|\\u003E\"",
    ];

    /// <summary>HF's non-special "&lt;|...|&gt;" added tokens (FIM, repo_name, file_sep), control tokens in llama.cpp.</summary>
    static readonly int[] QwenFimTokens = [151659, 151660, 151661, 151662, 151663, 151664];

    [SkippableFact]
    public void Qwen25GoldenEncodeAndDecode()
    {
        var cases = GoldenFiles.Encode("qwen2.5");
        using var tok = LlamaCppTokenizer.Load(_models.F32("tiny-qwen2"));
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var label = JsonSerializer.Serialize(c.Text);
            if (!tok.Encode(c.Text).SequenceEqual(c.Ids)) failures.Add($"ids {label}");
            if (!tok.Encode(c.Text, addSpecialTokens: false).SequenceEqual(c.IdsNoSpecial)) failures.Add($"ids_no_special {label}");
            // Decoding the golden ids checks multi-byte characters split across tokens (emoji, CJK, Khmer...).
            if (tok.Decode(c.Ids) != c.DecodedNoCleanup) failures.Add($"decoded {label}");
            if (tok.Decode(c.Ids, skipSpecialTokens: true) != c.DecodedSkipSpecial) failures.Add($"decoded_skip_special {label}");
        }
        Assert.Equal(145, cases.Count);
        Assert.Equal(KnownQwenDifferences, failures);
    }

    [SkippableFact]
    public void Qwen25VocabularyMatchesTokenizerJson()
    {
        var hf = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        using var tok = LlamaCppTokenizer.Load(_models.F32("tiny-qwen2"));
        Assert.Equal(151936, tok.VocabSize); // config.json's vocab_size: ids past the tokenizer are padding rows
        AssertSameVocabulary(hf, tok, QwenFimTokens);
        Assert.Equal("[PAD151935]", tok.IdToToken(151935));
        Assert.Null(tok.IdToToken(151936));
        Assert.Null(tok.TokenToId("no such token"));
    }

    [SkippableFact]
    public void Stories260KVocabularyMatchesTokenizerJson()
    {
        var hf = TokenizerLoader.LoadFolder(SharedAssets.Require("models", "stories260K"));
        using var tok = LlamaCppTokenizer.Load(_models.F32("stories260K"));
        Assert.Equal(hf.VocabSize, tok.VocabSize);
        AssertSameVocabulary(hf, tok, []);
    }

    static void AssertSameVocabulary(HfTokenizer hf, LlamaCppTokenizer tok, int[] specialOnlyInLlamaCpp)
    {
        var failures = new List<string>();
        for (int id = 0; id < hf.VocabSize; id++)
        {
            var token = hf.IdToToken(id);
            if (tok.IdToToken(id) != token) failures.Add($"IdToToken({id}): {tok.IdToToken(id)} != {token}");
            else if (token != null && tok.TokenToId(token) != id) failures.Add($"TokenToId({token}): {tok.TokenToId(token)} != {id}");
            bool special = hf.IsSpecial(id) || specialOnlyInLlamaCpp.Contains(id);
            if (tok.IsSpecial(id) != special) failures.Add($"IsSpecial({id} {token}): {tok.IsSpecial(id)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches, first: " + string.Join("\n", failures.Take(20)));
    }

    [SkippableFact]
    public void Qwen25LlamaCppVectors()
    {
        var cases = GoldenFiles.LlamaCppVectors("qwen2.5");
        using var tok = LlamaCppTokenizer.Load(_models.F32("tiny-qwen2"));
        var failures = cases.Where(c => !tok.Encode(c.Text, addSpecialTokens: false).SequenceEqual(c.Ids))
            .Select(c => $"{JsonSerializer.Serialize(c.Text)}: {GoldenFiles.Show(tok.Encode(c.Text, false))} != {GoldenFiles.Show(c.Ids)}").ToList();
        Assert.Equal(46, cases.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Stories260KGoldenPrompts()
    {
        var golden = Golden.Load("stories260K");
        var hf = TokenizerLoader.LoadFolder(golden.ModelDir);
        using var tok = LlamaCppTokenizer.Load(_models.F32("stories260K"));
        var failures = new List<string>();
        foreach (var p in golden.Prompts)
        {
            var text = (string)p["text"]!;
            var ids = Golden.Ints(p["input_ids"]);
            var got = tok.Encode(text);
            if (!got.SequenceEqual(ids)) failures.Add($"{p["name"]}: {GoldenFiles.Show(got)} != {GoldenFiles.Show(ids)}");
            if (tok.Decode(ids, skipSpecialTokens: true) != text) failures.Add($"{p["name"]} decode: {JsonSerializer.Serialize(tok.Decode(ids, true))}");
            // Kept BOS: HF's SentencePiece decoder strips the prefix space only at the very start ("<s> Once...").
            if (tok.Decode(ids) != hf.Decode(ids)) failures.Add($"{p["name"]} decode with <s>: {JsonSerializer.Serialize(tok.Decode(ids))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void GgufWithoutVocabularyIsRefusedWithItsPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"slotsharp-novocab-{Guid.NewGuid():N}.gguf");
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");
        writer.WriteTo(path);
        try
        {
            var e = Assert.Throws<SlotSharpException>(() => LlamaCppTokenizer.Load(path));
            Assert.Equal($"{path}: no tokenizer.ggml.tokens (the file carries no vocabulary)", e.Message);
        }
        finally { File.Delete(path); }
        Assert.Throws<SlotSharpException>(() => LlamaCppTokenizer.Load(path)); // and a missing file
    }
}
