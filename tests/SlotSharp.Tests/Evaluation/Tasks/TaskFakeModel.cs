using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation.Tasks;

/// <summary>
/// Stand-in model for the lighteval tasks: row r answers its gold in lighteval's requested final line when
/// r % 3 == 0, a wrong boxed number when r % 3 == 1, and nothing usable otherwise; so 4 of rows 0..9 are correct.
/// It reports a synthetic prompt text (the rendered chat) like the real engine does, and can "crash" after a number of prompts.
/// </summary>
sealed class TaskFakeModel(IReadOnlyDictionary<int, string> goldByRow, int crashAfterPrompts = int.MaxValue) : IEvalModel
{
    public List<int[]> Calls { get; } = [];
    int _promptsDone;

    public static string Completion(int row, string gold) => (row % 3) switch
    {
        0 => $"Therefore, the final answer is: $\\boxed{{{gold}}}$. I hope it is correct",
        1 => "Therefore, the final answer is: $\\boxed{100000}$. I hope it is correct",
        _ => "no idea",
    };

    public static string PromptText(EvalPrompt p) => $"<|user|>{p.Messages[0].Content}<|assistant|>";

    public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
    {
        Calls.Add(batch.Select(p => p.Key).ToArray());
        return batch.Select(p =>
        {
            if (_promptsDone++ >= crashAfterPrompts) throw new IOException("simulated crash");
            Assert.True(p.AddSpecialTokens);
            var text = Completion(p.Key, goldByRow[p.Key]);
            return (IReadOnlyList<EvalCompletion>)settings.Select(s => new EvalCompletion(text, 5, 50 + p.Key,
                Enumerable.Repeat(0.5, s.Times).ToArray(), new EvalTimings(0.1, 0.2, 0.3)) { PromptText = PromptText(p) }).ToList();
        }).ToList(); // materialised here, so a crash happens inside Complete as a real engine's would
    }

    public void Dispose() { }
}
