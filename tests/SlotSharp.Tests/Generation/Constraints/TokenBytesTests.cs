using System.Text;
using SlotSharp.LlamaCpp;
using SlotSharp.Tests.Gguf;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>
/// The bytes the grammar sees for each token are the bytes decoding produces: for byte-level BPE (Qwen2.5) and
/// SentencePiece with byte fallback (stories260K), through tokenizer.json and through llama.cpp's GGUF vocabulary,
/// the concatenated token bytes of an encoded text decode to what the tokenizer's own Decode gives (whose goldens
/// come from Hugging Face). SentencePiece decoding drops the one leading space its encoding added.
/// </summary>
public class TokenBytesTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    static readonly string[] Texts =
    [
        "Hello, world!", "{\"key\": [1, 2.5e-3, true, null]}", "  indented\n\ttabs\r\n", "naïve café — “quotes” 😀🔵 日本語",
        "a\\b\"c", "x",
    ];

    static void AssertBytesDecode(ITokenizer tokenizer)
    {
        var source = (ITokenBytes)tokenizer;
        foreach (var text in Texts)
        {
            var ids = tokenizer.Encode(text, addSpecialTokens: false);
            var bytes = ids.SelectMany(id => source.TokenBytes(id) ?? []).ToArray();
            string fromBytes = Encoding.UTF8.GetString(bytes);
            string decoded = tokenizer.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: false);
            if (fromBytes == " " + decoded) fromBytes = fromBytes[1..];
            Assert.Equal(decoded, fromBytes);
        }
        foreach (var id in Enumerable.Range(0, source.TokenBytesCount).Where(tokenizer.IsSpecial))
            Assert.Null(source.TokenBytes(id));
    }

    [SkippableFact]
    public void TokenizerJsonTokenBytesDecodeAsTheTokenizerDoes()
    {
        AssertBytesDecode(TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5")));
        AssertBytesDecode(TokenizerLoader.LoadFolder(SharedAssets.Require("models", "stories260K")));
    }

    [SkippableFact]
    public void GgufVocabularyTokenBytesDecodeAsTheTokenizerDoes()
    {
        using var qwen = LlamaCppTokenizer.Load(models.F32("tiny-qwen2"));
        AssertBytesDecode(qwen);
        using var stories = LlamaCppTokenizer.Load(models.F32("stories260K"));
        AssertBytesDecode(stories);
    }
}
