using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

/// <summary>
/// A tokenizer.json regex that backtracks catastrophically fails with a clear error naming the pattern and the
/// file once one match runs past <see cref="TokenizerOptions.RegexMatchTimeout"/>, instead of hanging.
/// </summary>
public sealed class RegexTimeoutTests : IDisposable
{
    const string Catastrophic = "(a+)+$";
    static readonly string Input = new string('a', 30) + "!"; // 2^30 ways to split the a's before failing at '!'
    static readonly TokenizerOptions ShortTimeout = new() { RegexMatchTimeout = TimeSpan.FromMilliseconds(200) };

    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-regex-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A byte-free BPE over "a" and "!" with the given pre-tokenizer and normalizer JSON.</summary>
    string TokenizerJson(string preTokenizer, string normalizer = "null")
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, $$"""
            {"added_tokens": [], "normalizer": {{normalizer}}, "pre_tokenizer": {{preTokenizer}},
             "post_processor": null, "decoder": null,
             "model": {"type": "BPE", "vocab": {"a": 0, "!": 1}, "merges": []} }
            """);
        return path;
    }

    static string Escaped(string pattern) => System.Text.Json.JsonSerializer.Serialize(pattern);

    [SkippableFact]
    public void ACatastrophicSplitPatternFailsWithTheTimeoutError()
    {
        var path = TokenizerJson($$"""{"type": "Split", "pattern": {"Regex": {{Escaped(Catastrophic)}}}, "behavior": "Isolated", "invert": false}""");
        var tokenizer = TokenizerLoader.FromFiles(path, TokenizerConfig.Empty, ShortTimeout);
        var e = Assert.Throws<SlotSharpException>(() => tokenizer.Encode(Input, addSpecialTokens: false));
        Assert.Contains(path, e.Message);
        Assert.Contains(Catastrophic, e.Message);
        Assert.Contains("RegexMatchTimeout", e.Message);
    }

    [SkippableFact]
    public void ACatastrophicReplaceNormalizerFailsWithTheTimeoutError()
    {
        var path = TokenizerJson("null", $$"""{"type": "Replace", "pattern": {"Regex": {{Escaped(Catastrophic)}}}, "content": "b"}""");
        var tokenizer = TokenizerLoader.FromFiles(path, TokenizerConfig.Empty, ShortTimeout);
        var e = Assert.Throws<SlotSharpException>(() => tokenizer.Encode(Input, addSpecialTokens: false));
        Assert.Contains(Catastrophic, e.Message);
    }

    [SkippableFact]
    public void TheSamePatternOnBenignInputStillTokenizes()
    {
        // Hand-computed: Isolated split of "aaa!" by (a+)+$ finds no match ('!' is last), so one piece; no merges,
        // so one id per character.
        var path = TokenizerJson($$"""{"type": "Split", "pattern": {"Regex": {{Escaped(Catastrophic)}}}, "behavior": "Isolated", "invert": false}""");
        var tokenizer = TokenizerLoader.FromFiles(path, TokenizerConfig.Empty, ShortTimeout);
        Assert.Equal([0, 0, 0, 1], tokenizer.Encode("aaa!", addSpecialTokens: false));
    }
}
