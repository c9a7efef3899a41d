using System.Text.Json;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

/// <summary>Every golden_encode.json case (made with HF transformers.js, cross-checked against Python HF).</summary>
public class GoldenEncodeTests
{
    [SkippableTheory]
    [InlineData("qwen2.5")]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    public void ReproducesEveryGoldenCase(string model)
    {
        var cases = GoldenFiles.Encode(model);
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require("tokenizers", model));
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var label = JsonSerializer.Serialize(c.Text);
            var ids = tok.Encode(c.Text);
            if (!ids.SequenceEqual(c.Ids)) failures.Add($"ids {label}: {GoldenFiles.Show(ids)} != {GoldenFiles.Show(c.Ids)}");
            var ns = tok.Encode(c.Text, addSpecialTokens: false);
            if (!ns.SequenceEqual(c.IdsNoSpecial)) failures.Add($"ids_no_special {label}: {GoldenFiles.Show(ns)} != {GoldenFiles.Show(c.IdsNoSpecial)}");
            if (tok.Decode(c.Ids) != c.Decoded) failures.Add($"decoded {label}: {JsonSerializer.Serialize(tok.Decode(c.Ids))}");
            if (tok.Decode(c.Ids, false, false) != c.DecodedNoCleanup) failures.Add($"decoded_no_cleanup {label}");
            // The golden's skip-special decode was made without clean-up (see shared README).
            if (tok.Decode(c.Ids, true, false) != c.DecodedSkipSpecial) failures.Add($"decoded_skip_special {label}: {JsonSerializer.Serialize(tok.Decode(c.Ids, true, false))}");
        }
        Assert.True(cases.Count == 145, $"expected 145 cases, found {cases.Count}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableTheory]
    [InlineData("qwen2.5", "qwen2.5")]
    [InlineData("llama3", "llama3")]
    [InlineData("deepseek-r1-distill-qwen", "qwen2.5")] // no tokenizer.json of its own; same BPE and pre-tokenizer as Qwen2
    public void ReproducesLlamaCppVectors(string vectors, string tokenizerFolder)
    {
        var cases = GoldenFiles.LlamaCppVectors(vectors);
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require("tokenizers", tokenizerFolder));
        var failures = cases.Where(c => !tok.Encode(c.Text, addSpecialTokens: false).SequenceEqual(c.Ids))
            .Select(c => $"{JsonSerializer.Serialize(c.Text)}: {GoldenFiles.Show(tok.Encode(c.Text, false))} != {GoldenFiles.Show(c.Ids)}").ToList();
        Assert.Equal(46, cases.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
