using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>
/// Deterministic stand-in for the model: the completion depends only on (dataset row, times), chosen so that the
/// scores are easy to work out by hand. It records its calls and can "crash" after a number of prompts.
/// </summary>
sealed class FakeEvalModel(IReadOnlyDictionary<int, string> goldByRow, int crashAfterPrompts = int.MaxValue) : IEvalModel
{
    public List<(int[] Rows, string[] Settings)> Calls { get; } = [];
    int _promptsDone;

    public static string Completion(int row, int times, string gold)
    {
        var g = gold.Replace(",", "");
        return ((row + times) % 4) switch
        {
            0 => $"<think>work {row}</think><answer>{g}</answer>",
            1 => $"The answer is {g}.",
            2 => $"<think>hmm\nstill thinking</think><answer>{g}</answer>\n",
            _ => "I don't know",
        };
    }

    public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        Calls.Add((batch.Select(p => p.Key).ToArray(), settings.Select(s => s.ToString()).ToArray()));
        var results = new List<IReadOnlyList<EvalCompletion>>();
        foreach (var prompt in batch)
        {
            if (_promptsDone++ >= crashAfterPrompts) throw new IOException("simulated crash");
            Assert.Equal(2, prompt.Messages.Count);
            Assert.Equal(new EvalMessage("system", Gsm8kPrompt.SystemText), prompt.Messages[0]);
            Assert.Equal("user", prompt.Messages[1].Role);
            results.Add(settings.Select(s =>
            {
                var text = Completion(prompt.Key, s.Times, goldByRow[prompt.Key]);
                var losses = Enumerable.Range(1, s.Times).Select(k => 1.0 / k).ToArray();
                return new EvalCompletion(text, text.Length, 100 + prompt.Key, losses, new EvalTimings(0.25, 0.5, 1.25));
            }).ToList());
        }
        return results;
    }

    public void Dispose() { }
}
