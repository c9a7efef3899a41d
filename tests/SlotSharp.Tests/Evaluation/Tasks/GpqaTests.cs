using System.Text.Json.Nodes;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>GPQA: CSV reading, the seed-1234 option shuffle, the prompt, and lighteval's letter extraction quirks.</summary>
public sealed class GpqaTests
{
    [SkippableFact]
    public void GoldSlotsAreCPythonsRandintDrawsWithSeed1234()
    {
        var file = SharedAssets.Require("datasets", "gpqa", "lighteval_gold_index_seed1234.json");
        var expected = JsonNode.Parse(File.ReadAllText(file))!["gold_index"]!.AsArray().Select(n => (int)n!).ToArray();
        Assert.Equal(198, expected.Length);
        Assert.Equal(expected, GpqaDiamondTask.GoldIndices(198));
    }

    [SkippableFact]
    public void SampleCsvLoadsWithShuffledOptionsAndExactPrompts()
    {
        var docs = new GpqaDiamondTask().Load(SharedAssets.Require("datasets", "gpqa", "sample.csv"));
        Assert.Equal(3, docs.Count);
        // Draws 3, 0, 0: the correct answer goes to D, then A, then A.
        Assert.Equal(["D", "A", "A"], docs.Select(d => d.Gold));
        Assert.Equal(["recSYNTHETIC000001", "recSYNTHETIC000002", "recSYNTHETIC000003"], docs.Select(d => d.Id));
        const string preamble = "Answer the following multiple choice question. The last line of your response should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.\n\n";
        Assert.Equal(preamble + "[SYNTHETIC TEST ITEM - NOT FROM GPQA] What is the SI unit of force?\n\nA) Joule\nB) Watt\nC) Pascal\nD) Newton",
            docs[0].Instruction);
        Assert.Equal(preamble + "[SYNTHETIC TEST ITEM - NOT FROM GPQA] Which element has atomic number 6?\nGive the element name only.\n\nA) Carbon\nB) Nitrogen\nC) Oxygen\nD) Boron",
            docs[1].Instruction);
        Assert.Equal(preamble + "[SYNTHETIC TEST ITEM - NOT FROM GPQA] Which organelle is the main site of \"oxidative phosphorylation\" in eukaryotic cells?\n\nA) Mitochondrion, inner membrane\nB) Ribosome\nC) Golgi apparatus\nD) Lysosome",
            docs[2].Instruction);
        var prompt = new GpqaDiamondTask().Prompt(docs[0]);
        Assert.True(prompt.AddSpecialTokens);
        Assert.Equal([new SlotSharp.Evaluation.EvalMessage("user", docs[0].Instruction)], prompt.Messages);
    }

    [SkippableFact]
    public void CsvQuotingEmbeddedNewlinesAndCrlf()
    {
        var records = CsvTable.Parse("a,b\r\n\"x, \"\"y\"\"\",\"line1\nline2\"\r\n,\n", "test");
        Assert.Equal(3, records.Count);
        Assert.Equal(["x, \"y\"", "line1\nline2"], records[1]);
        Assert.Equal(["", ""], records[2]);
        Assert.Throws<SlotSharpException>(() => CsvTable.Parse("a\n\"open", "test"));
    }

    [SkippableTheory]
    [InlineData("Therefore the final answer is C. I hope it is correct", "C")]
    [InlineData("Some reasoning about B and A.\nAnswer: C", "C")]
    [InlineData("Answer: C.", "C")]
    // "Answer: C" followed by a line break: priorities 100-250 fail, priority 300 takes the LAST capital A-D (the D of "Done").
    [InlineData("Answer: C\nDone", "D")]
    // "$D$" only matches the bare-letter pattern: the last capital A-D, here the D itself.
    [InlineData("So. Answer: $D$", "D")]
    [InlineData("the answer is (B) because", "B")]
    [InlineData("**B**", "B")]
    public void LetterExtractionFollowsLightevalPriorities(string output, string letter)
    {
        var extracted = GpqaLetterScorer.Extract(output);
        Assert.Equal([letter, letter], extracted);
    }

    /// <summary>A peer: the Grading port's own lighteval index patterns (written independently) extract the same letter.</summary>
    [SkippableTheory]
    [InlineData("Answer: C\nDone")]
    [InlineData("The final answer is B. I hope it is correct")]
    [InlineData("I think **A**, but answer: D")]
    [InlineData("none here")]
    [InlineData("ANSWER: B, since C is wrong")]
    public void AgreesWithTheGradingPortsIndexPatterns(string output)
    {
        var peer = SlotSharp.Grading.MathGrader.Parse(output, SlotSharp.Grading.GradingTask.Gpqa.PredictionTargets,
            SlotSharp.Grading.GradingTask.Gpqa.Options);
        Assert.Equal(peer.Select(p => p.ToString()), GpqaLetterScorer.Extract(output));
    }

    [SkippableFact]
    public void ScoresByLetterEqualityAndEmptyWhenNoLetter()
    {
        var scorer = new GpqaLetterScorer();
        Assert.True(scorer.Score("C", "Answer: C").Correct);
        Assert.False(scorer.Score("C", "Answer: B").Correct);
        var none = scorer.Score("C", "no capital letters here");
        Assert.False(none.Correct);
        Assert.Empty(none.ExtractedPrediction);
        Assert.Equal(["C", "C"], none.ExtractedGold);
    }
}
