using System.Globalization;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// lighteval gpqa:diamond (gpqa_instruct): Idavidrein/gpqa config gpqa_diamond split train, or the official
/// gpqa_diamond.csv. The options are shuffled as lighteval does it: row i (file order) takes the i-th
/// <c>random.randint(0, 3)</c> of Python's global generator seeded with 1234, and the correct answer is inserted at
/// that position into [Incorrect Answer 1, 2, 3].
/// </summary>
public sealed class GpqaDiamondTask() : LightevalTask("gpqa:diamond", "Idavidrein/gpqa", new GpqaLetterScorer())
{
    /// <summary>lighteval's pipeline calls random.seed(1234) before the tasks' prompt functions run.</summary>
    internal const int ShuffleSeed = 1234;

    /// <summary>The template after .format, split around its fields.</summary>
    internal const string Preamble =
        "Answer the following multiple choice question. The last line of your response should be of the following " +
        "format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.\n\n";

    /// <summary>gold_index of rows 0..count-1 (0 = A ... 3 = D).</summary>
    internal static int[] GoldIndices(int count)
    {
        var random = new PythonRandom(ShuffleSeed);
        return Enumerable.Range(0, count).Select(_ => random.RandInt(0, 3)).ToArray();
    }

    /// <summary>The rendered prompt for one question with its options in the given order.</summary>
    internal static string Render(string question, IReadOnlyList<string> options) =>
        $"{Preamble}{question}\n\nA) {options[0]}\nB) {options[1]}\nC) {options[2]}\nD) {options[3]}";

    public override IReadOnlyList<TaskDocument> Load(string data)
    {
        var rows = TaskData.Load(data, config: "gpqa_diamond", hubSplit: "train", Name, hubRevision: "refs/convert/parquet", hub: Hub);
        var gold = GoldIndices(rows.Count);
        var documents = new List<TaskDocument>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            string F(string field) => TaskData.Field(rows[i], field, data, i);
            var options = new List<string> { F("Incorrect Answer 1"), F("Incorrect Answer 2"), F("Incorrect Answer 3") };
            options.Insert(gold[i], F("Correct Answer"));
            var id = TaskData.OptionalField(rows[i], "Record ID") ?? i.ToString(CultureInfo.InvariantCulture);
            documents.Add(new TaskDocument(i, id, Render(F("Question"), options), "ABCD"[gold[i]].ToString()));
        }
        return documents;
    }
}
