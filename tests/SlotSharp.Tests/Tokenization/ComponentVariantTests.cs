using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

/// <summary>
/// Components the real goldens do not exercise (Digits, Split behaviors/invert, Metaspace, lstrip/rstrip/
/// single_word/normalized added tokens, NFD/Lowercase/Replace). Each test rewrites a shared tokenizer.json into a
/// temp file; expected ids are what HF's Rust tokenizers (via Tokenizers.DotNet 1.4.1) returned for that same file.
/// </summary>
public class ComponentVariantTests
{
    const string QwenRegex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    static HfTokenizer Variant(string[] source, Action<JsonNode> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(SharedAssets.Require(source)))!;
        edit(json);
        var path = Path.Combine(Path.GetTempPath(), $"slotsharp-tok-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        try { return TokenizerLoader.FromFiles(path, TokenizerConfig.Empty); }
        finally { File.Delete(path); }
    }

    static JsonNode Node(object o) => JsonNode.Parse(JsonSerializer.Serialize(o))!;

    static HfTokenizer QwenWithSplit(bool individualDigits, string patternKind, string pattern, string behavior, bool invert) =>
        Variant(["tokenizers", "qwen2.5", "tokenizer.json"], j => j["pre_tokenizer"] = Node(new
        {
            type = "Sequence",
            pretokenizers = new object[]
            {
                new { type = "Digits", individual_digits = individualDigits },
                new Dictionary<string, object> { ["type"] = "Split", ["pattern"] = new Dictionary<string, string> { [patternKind] = pattern }, ["behavior"] = behavior, ["invert"] = invert },
                new { type = "ByteLevel", add_prefix_space = true, trim_offsets = false, use_regex = true },
            },
        }));

    [SkippableFact]
    public void DigitsSplitMergedWithNextAndByteLevelPrefix()
    {
        var tok = QwenWithSplit(false, "Regex", QwenRegex, "MergedWithNext", false);
        Assert.Equal([264, 15229, 293], tok.Encode("a foo b"));
        Assert.Equal([21927, 220, 1879, 220, 220, 17, 220, 15, 220, 17, 220, 19, 753], tok.Encode("Hello  world 2024!"));
        Assert.Equal([81250, 253, 237, 220, 149, 96, 220, 220, 16, 220, 17], tok.Encode("𝟏٣ 12"));
        Assert.Equal(" Hello  world  2 0 2 4 !", tok.Decode([21927, 220, 1879, 220, 220, 17, 220, 15, 220, 17, 220, 19, 753]));
    }

    [SkippableFact]
    public void IndividualDigitsAndInvertedLiteralSplitContiguous()
    {
        var tok = QwenWithSplit(true, "String", " ", "Contiguous", true);
        Assert.Equal([264, 220, 15229, 220, 293], tok.Encode("a foo b"));
        Assert.Equal([856, 220, 366, 11258, 29, 256, 379], tok.Encode("x <mask>  y"));
        Assert.Equal([21927, 256, 1879, 220, 220, 17, 220, 15, 220, 17, 220, 19, 753], tok.Encode("Hello  world 2024!"));
    }

    [SkippableFact]
    public void AddedTokenFlagsAndNormalizers()
    {
        var tok = Variant(["tokenizers", "qwen2.5", "tokenizer.json"], j =>
        {
            var added = j["added_tokens"]!.AsArray();
            // Ids as written are ignored by HF: "foo" and "é" exist in the vocab (7975, 165), TOK gets the next free id.
            added.Add(Node(new { id = 151665, content = "<mask>", single_word = false, lstrip = true, rstrip = true, normalized = false, special = true }));
            added.Add(Node(new { id = 151666, content = "foo", single_word = true, lstrip = false, rstrip = false, normalized = false, special = false }));
            added.Add(Node(new { id = 151667, content = "é", single_word = false, lstrip = false, rstrip = false, normalized = true, special = false }));
            added.Add(Node(new { id = 151668, content = "TOK", single_word = false, lstrip = false, rstrip = false, normalized = true, special = false }));
            j["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"Lowercase"},{"type":"Replace","pattern":{"Regex":"\\d+"},"content":"#"},{"type":"NFC"}]}""");
        });
        Assert.Equal([64, 220, 7975, 293], tok.Encode("a foo b"));          // single_word: " foo " is a token
        Assert.Equal([64, 7975, 15229, 62], tok.Encode("afoo foo_"));       // ...but not inside words
        Assert.Equal([87, 151665, 88], tok.Encode("x <mask>  y"));          // lstrip + rstrip swallow the spaces
        Assert.Equal([151666, 220, 151666, 220, 165, 220, 165], tok.Encode("TOK tok é e\u0301")); // normalized tokens
        Assert.Equal([2, 671], tok.Encode("𝟏٣ 12"));                       // \d matches astral and Arabic digits
        Assert.Equal([14990, 220, 1879, 671, 0], tok.Encode("Hello  world 2024!"));
        Assert.Equal("xy", tok.Decode([87, 151665, 88], skipSpecialTokens: true));
    }

    [SkippableFact]
    public void MetaspaceFirstWithSplit()
    {
        var tok = Variant(["models", "stories260K", "tokenizer.json"], j =>
        {
            j["normalizer"] = null;
            j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}""");
            j["decoder"] = JsonNode.Parse("""{"type":"Sequence","decoders":[{"type":"ByteFallback"},{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}]}""");
        });
        Assert.Equal([1, 261, 431, 347, 272, 347, 98], tok.Encode("afoo foo_"));
        Assert.Equal([1, 410, 444, 410, 504, 423, 412, 419, 433, 505, 410, 348], tok.Encode("x <mask>  y"));
        Assert.Equal([1, 410, 243, 160, 162, 146, 220, 166, 410, 475, 479], tok.Encode("𝟏٣ 12"));
        Assert.Equal([1, 320, 417, 383], tok.Encode("▁Hi there"));
        Assert.Equal("Hi there", tok.Decode([1, 320, 417, 383], skipSpecialTokens: true));
        Assert.Equal("𝟏٣ 12", tok.Decode([1, 410, 243, 160, 162, 146, 220, 166, 410, 475, 479], skipSpecialTokens: true));
    }

    [SkippableFact]
    public void UnsupportedComponentFailsAtLoadNamingTypeAndFile()
    {
        var source = SharedAssets.Require("models", "stories260K", "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(source))!;
        json["normalizer"] = JsonNode.Parse("""{"type":"BertNormalizer","lowercase":true}""");
        var path = Path.Combine(Path.GetTempPath(), $"slotsharp-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        try
        {
            var e = Assert.Throws<SlotSharpException>(() => TokenizerLoader.FromFiles(path, TokenizerConfig.Empty));
            Assert.Contains("BertNormalizer", e.Message);
            Assert.Contains(path, e.Message);
            Assert.Contains("normalizer", e.Message);
        }
        finally { File.Delete(path); }
    }
}
