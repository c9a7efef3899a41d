using SlotSharp.Generation;

namespace SlotSharp.Tests.Generation;

/// <summary>
/// OpenAI's logit_bias, frequency_penalty and presence_penalty through <see cref="DecodeState"/>: greedy steps on a
/// fixed row of logits, each expectation worked out by hand from OpenAI's formula
/// logit -= frequency_penalty * count + presence_penalty * (count > 0), over generated tokens only.
/// </summary>
public class LogitAdjustmentTests
{
    // Every step sees the same raw logits, so each choice follows from the penalties alone.
    static readonly float[] Logits = [1.0f, 3.0f, 2.0f, 0.5f, 2.9f];

    static int[] Greedy(GenerationOptions options, int steps, int[]? prompt = null, float[]? slotBias = null, float[]? logits = null)
    {
        logits ??= Logits;
        var state = new DecodeState(prompt ?? [], options with { MaxNewTokens = steps }, slotBias, logits.Length);
        for (int i = 0; i < steps; i++) state.Next(logits);
        return [.. state.Generated];
    }

    [SkippableFact]
    public void FrequencyPenaltyGrowsWithEachRepeat()
    {
        // 0.6 per occurrence: 1 (3.0); 4 (2.9 > 2.4); 1 (2.4 > 2.3); 4 (2.3 > 1.8, 2.0); 2 (2.0 > 1.8, 1.7).
        Assert.Equal([1, 4, 1, 4, 2], Greedy(new GenerationOptions { FrequencyPenalty = 0.6 }, 5));
    }

    [SkippableFact]
    public void PresencePenaltyIsPaidOnce()
    {
        // 0.5 once a token appeared: 1 (3.0); 4 (2.9 > 2.5); then 1 stays at 2.5 > 2.4 for good.
        Assert.Equal([1, 4, 1, 1, 1], Greedy(new GenerationOptions { PresencePenalty = 0.5 }, 5));
    }

    [SkippableFact]
    public void ANegativePresencePenaltyFavoursWhatWasGenerated()
    {
        // frequency 0.4 alone: 1, then 4 (2.9 > 2.6). With presence -0.5: 1, 1 (3 - 0.4 + 0.5 = 3.1 > 2.9), then 4
        // (3 - 0.8 + 0.5 = 2.7 < 2.9).
        Assert.Equal([1, 4], Greedy(new GenerationOptions { FrequencyPenalty = 0.4 }, 2));
        Assert.Equal([1, 1, 4], Greedy(new GenerationOptions { FrequencyPenalty = 0.4, PresencePenalty = -0.5 }, 3));
    }

    [SkippableFact]
    public void PromptTokensAreNotPenalised()
    {
        // OpenAI and vLLM count generated tokens only: a prompt full of 1s leaves the first step at 1.
        Assert.Equal([1, 4], Greedy(new GenerationOptions { FrequencyPenalty = 2 }, 2, prompt: [1, 1, 1]));
    }

    [SkippableFact]
    public void LogitBiasAddsToTheSlotBiasedScores()
    {
        // SLOT's bias lifts 2 to 3.5; logit_bias +1 on 0 makes it 2.0; -100 on 1 removes 1: argmax is 2 (3.5 > 2.9).
        var bias = new Dictionary<int, double> { [0] = 1, [1] = -100 };
        Assert.Equal([2], Greedy(new GenerationOptions { LogitBias = bias }, 1, slotBias: [0, 0, 1.5f, 0, 0]));
        // +100 on a low token forces it at every step.
        Assert.Equal([3, 3, 3], Greedy(new GenerationOptions { LogitBias = new Dictionary<int, double> { [3] = 100 } }, 3));
    }

    [SkippableFact]
    public void LogitBiasComesBeforeTheRepetitionPenaltyAsInVllm()
    {
        // 4 is in the prompt. vLLM adds the bias first: (2.9 + 1.3) / 1.5 = 2.8 < 3.0, so 1 wins. The other order
        // (2.9 / 1.5 + 1.3 = 3.23) would pick 4.
        var options = new GenerationOptions { RepetitionPenalty = 1.5, LogitBias = new Dictionary<int, double> { [4] = 1.3 } };
        Assert.Equal([1], Greedy(options, 1, prompt: [4]));
    }

    [SkippableFact]
    public void TheFrequencyPenaltyComesAfterTheRepetitionPenaltyAsInVllm()
    {
        // Logits [3.0, 1.9]: 0 first. Then vLLM divides, then subtracts: 3.0 / 1.5 - 0.12 = 1.88 < 1.9, so 1. The
        // other order ((3.0 - 0.12) / 1.5 = 1.92) would pick 0 again.
        var options = new GenerationOptions { RepetitionPenalty = 1.5, FrequencyPenalty = 0.12 };
        Assert.Equal([0, 1], Greedy(options, 2, logits: [3.0f, 1.9f]));
    }

    [SkippableFact]
    public void OutOfRangeSettingsAreNamed()
    {
        var e = Assert.Throws<SlotSharpException>(() => new GenerationOptions { FrequencyPenalty = 2.5 }.Validate());
        Assert.Contains("--frequency-penalty", e.Message);
        e = Assert.Throws<SlotSharpException>(() => new GenerationOptions { PresencePenalty = double.NaN }.Validate(n => $"'{n}'"));
        Assert.Contains("'presence-penalty'", e.Message);
        e = Assert.Throws<SlotSharpException>(() => new GenerationOptions { MinP = 1.5 }.Validate());
        Assert.Contains("--min-p", e.Message);
        e = Assert.Throws<SlotSharpException>(() => new GenerationOptions { LogitBias = new Dictionary<int, double> { [3] = 101 } }.Validate());
        Assert.Contains("token 3", e.Message);
        e = Assert.Throws<SlotSharpException>(() => new DecodeState([], new GenerationOptions { LogitBias = new Dictionary<int, double> { [5] = 1 } }, null, 5));
        Assert.Contains("token id 5", e.Message);
    }
}
