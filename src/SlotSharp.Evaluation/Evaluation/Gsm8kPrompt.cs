namespace SlotSharp.Evaluation;

/// <summary>The chat prompt of SLOT's GSM8K script.</summary>
internal static class Gsm8kPrompt
{
    /// <summary>
    /// The system text exactly as Python holds it: the source joins two lines with a backslash continuation, so
    /// there is no space in "answer.The", and the original also has no space in "and&lt;answer&gt;".
    /// </summary>
    public const string SystemText =
        "You are a helpful assistant. A conversation between User and Assistant. The user asks a question, and the " +
        "Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides " +
        "the user with the answer.The reasoning process and answer are enclosed within <think> </think> and" +
        "<answer> </answer> tags, respectively, i.e., <think> reasoning process here </think><answer> answer here </answer>.";

    /// <summary>[system, user(question)].</summary>
    public static IReadOnlyList<EvalMessage> Messages(string question) =>
        [new EvalMessage("system", SystemText), new EvalMessage("user", question)];

    /// <summary>Per-prompt sampling seed: a SplitMix64 mix of the run seed and the dataset row, so a sample draws
    /// the same tokens whether it runs alone, in a batch, or after a resume.</summary>
    public static ulong SamplingSeed(long runSeed, int datasetIndex)
    {
        ulong z = unchecked((ulong)runSeed * 0x9E3779B97F4A7C15UL + (ulong)datasetIndex + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
