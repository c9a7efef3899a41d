using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

public class StreamingDetokenizerTests
{
    const string Mixed = "Hello, world! Isn't it nice ? 你好，世界。日本語のテキスト 😀👍🏽👨‍👩‍👧 🇯🇵 café naïve Ω 𠀀𝟏 " +
                         "<|im_start|>user\nhi<|im_end|> </s> <s> x = a[i] * 42; // done .\n\ttabs  and  spaces 's 're";

    public static TheoryData<string, string[]> Folders => new()
    {
        { "qwen2.5", ["tokenizers", "qwen2.5"] },
        { "qwen3", ["tokenizers", "qwen3"] },
        { "llama3", ["tokenizers", "llama3"] },
        { "stories260K", ["models", "stories260K"] },
    };

    static string Stream(ITokenizer tok, IEnumerable<int> ids, bool skip, List<string> chunks)
    {
        var s = new StreamingDetokenizer(tok, skip);
        foreach (var id in ids) chunks.Add(s.Push(id));
        chunks.Add(s.Flush());
        return string.Concat(chunks);
    }

    [SkippableTheory]
    [MemberData(nameof(Folders))]
    public void ConcatenationEqualsDecodeOfAllIds(string name, string[] folder)
    {
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require(folder));
        foreach (var skip in new[] { false, true })
        {
            var ids = tok.Encode(string.Concat(Enumerable.Repeat(Mixed, 3)));
            var chunks = new List<string>();
            Assert.Equal(tok.Decode(ids, skip), Stream(tok, ids, skip, chunks));
            // Valid UTF-8 overall, so no chunk may carry a half-decoded sequence.
            Assert.All(chunks, c => Assert.DoesNotContain('\uFFFD', c));
            Assert.All(chunks, c => Assert.False(c.Length > 0 && char.IsHighSurrogate(c[^1]), $"{name}: chunk ends inside a surrogate pair"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Folders))]
    public void RandomIdSequencesStreamToTheirDecode(string name, string[] folder)
    {
        // Random ids include lone byte tokens, partial UTF-8 and specials: the hard cases for streaming.
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require(folder));
        var rng = new Random(7);
        var textIds = tok.Encode(Mixed, false);
        for (int trial = 0; trial < 60; trial++)
        {
            var ids = Enumerable.Range(0, rng.Next(1, 120))
                .Select(_ => rng.Next(3) == 0 ? rng.Next(tok.VocabSize) : textIds[rng.Next(textIds.Length)]).ToArray();
            foreach (var skip in new[] { false, true })
                Assert.True(tok.Decode(ids, skip) == Stream(tok, ids, skip, []), $"{name} trial {trial} skip={skip}: [{string.Join(",", ids)}]");
        }
    }

    [SkippableFact]
    public void HoldsBackAnUnfinishedByteFallbackRun()
    {
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require("models", "stories260K"));
        var ids = tok.Encode("中 a", addSpecialTokens: false); // "▁" <0xE4> <0xB8> <0xAD> "▁a"
        Assert.Equal(5, ids.Length);
        var s = new StreamingDetokenizer(tok, skipSpecialTokens: true);
        // HF decodes a byte run as a whole (valid, or one U+FFFD per byte), so the run waits for its end.
        Assert.Equal("", s.Push(ids[0]));
        Assert.Equal("", s.Push(ids[1]));
        Assert.Equal("", s.Push(ids[2]));
        Assert.Equal("", s.Push(ids[3]));
        Assert.Equal("中 a", s.Push(ids[4]));
        Assert.Equal("", s.Flush());
    }

    [SkippableFact]
    public void HoldsBackAPossibleCleanUpPattern()
    {
        // Llama-3 cleans up " n't" -> "n't"; after " n" the space must wait.
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require("tokenizers", "llama3"));
        var ids = tok.Encode("do n't", addSpecialTokens: false);
        var chunks = new List<string>();
        Assert.Equal("don't", Stream(tok, ids, false, chunks));
        Assert.Equal("do", chunks[0]);
    }
}
