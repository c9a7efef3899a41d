using System.Text;
using SlotSharp.Generation;
using SlotSharp.Generation.Constraints;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>
/// The trie-walk mask against a brute-force oracle over Qwen2.5's 151,665 tokens: for a choice constraint, a token is
/// allowed exactly when the text so far plus its bytes is a prefix of some choice (plain byte comparisons, no grammar).
/// And end-of-sequence comes only where the text is complete, however strongly the logits want it.
/// </summary>
public class TokenMaskTests
{
    static readonly string[] Choices = ["positive", "negative", "neutral", "né 😀 \"quoted\""];

    [SkippableTheory]
    [InlineData("")]
    [InlineData("ne")]
    [InlineData("neu")]
    [InlineData("né \xF0")] // inside the emoji's UTF-8: continuation bytes only
    public void ChoiceMaskEqualsTheTokensThatKeepAPrefixOfAChoice(string sofar)
    {
        var tokenizer = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        var bytesSoFar = sofar.EndsWith('\xF0') ? [.. Encoding.UTF8.GetBytes(sofar[..^1]), (byte)0xF0] : Encoding.UTF8.GetBytes(sofar);
        var constraint = OutputConstraint.Choice(Choices);
        var trie = VocabularyTrie.For(tokenizer);
        var automaton = constraint.Automaton.Fresh();
        var matcher = new GrammarMatcher(automaton, trie);
        // Reach the state after bytesSoFar through a token sequence: single-byte tokens exist for every byte.
        foreach (var b in bytesSoFar)
        {
            int id = Enumerable.Range(0, trie.VocabSize).First(i => trie.Bytes(i).Length == 1 && trie.Bytes(i)[0] == b);
            matcher.Accept(id);
        }
        var mask = matcher.Mask();
        var choiceBytes = Choices.Select(Encoding.UTF8.GetBytes).ToList();
        int allowed = 0;
        for (int id = 0; id < trie.VocabSize; id++)
        {
            var t = trie.Bytes(id).ToArray();
            byte[] text = [.. bytesSoFar, .. t];
            bool expected = t.Length > 0 && choiceBytes.Any(c => c.Length >= text.Length && c.AsSpan(0, text.Length).SequenceEqual(text));
            bool actual = (mask[id >> 6] & (1UL << (id & 63))) != 0;
            Assert.True(expected == actual, $"token {id} ({tokenizer.IdToToken(id)}) after '{sofar}': expected {expected}");
            if (expected) allowed++;
        }
        Assert.True(allowed > 0);
    }

    [SkippableFact]
    public void EndOfSequenceWaitsForACompleteChoiceEvenWhenTheLogitsFavourIt()
    {
        var tokenizer = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "qwen2.5"));
        int eos = tokenizer.TokenToId("<|endoftext|>")!.Value;
        var random = new Random(3);
        foreach (var temperature in new[] { 0.0, 1.0 })
            for (int g = 0; g < 10; g++)
            {
                var state = new DecodeState([], new GenerationOptions { MaxNewTokens = 40, Temperature = temperature, Seed = g, StopIds = new HashSet<int> { eos } },
                    null, tokenizer.VocabSize, null, OutputConstraint.Choice(["yes", "no", "yes, but"]).NewMatcher(tokenizer));
                while (!state.Finished)
                {
                    var logits = new float[tokenizer.VocabSize];
                    for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
                    logits[eos] = 50; // the model wants to stop at every step
                    state.Next(logits);
                }
                Assert.True(state.Stopped);
                var text = tokenizer.Decode(state.Generated.Where(i => i != eos).ToList(), skipSpecialTokens: true);
                Assert.Contains(text, new[] { "yes", "no", "yes, but" });
                // "yes" may end (eos) or go on to "yes, but"; "no" and "yes, but" end without an eos step.
                if (text != "yes") Assert.DoesNotContain(eos, state.Generated);
            }
    }
}
