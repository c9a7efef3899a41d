using System.Text.Json;
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

    [SkippableFact]
    public void Qwen25GoldenEncodeAndDecode()
    {
        var cases = GoldenFiles.Encode("qwen2.5");
        using var tok = LlamaCppTokenizer.Load(_models.F32("tiny-qwen2"));
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var label = JsonSerializer.Serialize(c.Text);
            var ids = tok.Encode(c.Text);
            if (!ids.SequenceEqual(c.Ids)) failures.Add($"ids {label}: {GoldenFiles.Show(ids)} != {GoldenFiles.Show(c.Ids)}");
            var ns = tok.Encode(c.Text, addSpecialTokens: false);
            if (!ns.SequenceEqual(c.IdsNoSpecial)) failures.Add($"ids_no_special {label}: {GoldenFiles.Show(ns)} != {GoldenFiles.Show(c.IdsNoSpecial)}");
            if (tok.Decode(c.Ids) != c.DecodedNoCleanup) failures.Add($"decoded {label}: {JsonSerializer.Serialize(tok.Decode(c.Ids))}");
            if (tok.Decode(c.Ids, true) != c.DecodedSkipSpecial) failures.Add($"decoded_skip_special {label}: {JsonSerializer.Serialize(tok.Decode(c.Ids, true))}");
        }
        Assert.Equal(145, cases.Count);
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures));
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
        using var tok = LlamaCppTokenizer.Load(_models.F32("stories260K"));
        var failures = new List<string>();
        foreach (var p in golden.Prompts)
        {
            var text = (string)p["text"]!;
            var ids = Golden.Ints(p["input_ids"]);
            var got = tok.Encode(text);
            if (!got.SequenceEqual(ids)) failures.Add($"{p["name"]}: {GoldenFiles.Show(got)} != {GoldenFiles.Show(ids)}");
            if (tok.Decode(ids, skipSpecialTokens: true) != text) failures.Add($"{p["name"]} decode: {JsonSerializer.Serialize(tok.Decode(ids, true))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
