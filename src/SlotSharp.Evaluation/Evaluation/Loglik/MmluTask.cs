namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// mmlu (default group, zero-shot): cais/mmlu config all, split test, 57 subject tasks from _default_template_yaml. Each
/// subject's YAML sets description "The following are multiple choice questions (with answers) about SUBJECT.\n\n"
/// (its dataset_name with '_' as ' ', checked for all 57), which the harness puts before the question as the system
/// part of the plain-text prompt; doc_to_text "{{question.strip()}}\nA. {{choices[0]}}\nB. ..\nD. {{choices[3]}}\nAnswer:",
/// choices A, B, C, D, gold the answer index; acc only. The group's acc weighted by size is the mean over documents.
/// </summary>
internal sealed class MmluTask : LoglikTask
{
    static readonly string[] Letters = ["A", "B", "C", "D"];

    public override string Name => "mmlu";
    public override string DefaultData => "cais/mmlu";
    public override string? HubConfig => "all";
    public override string HubSplit => "test";
    public override IReadOnlyList<string> Metrics => ["acc"];

    protected override ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data)
    {
        var subject = Field(row, "subject", data, index);
        var options = Strings(Json(row, "choices", data, index), "choices", data, index);
        if (options.Count != 4) throw new SlotSharpException($"data '{data}' row {index}: MMLU needs 4 choices, got {options.Count}");
        var context = Description(subject) + PythonText.Strip(Field(row, "question", data, index)) +
            $"\nA. {options[0]}\nB. {options[1]}\nC. {options[2]}\nD. {options[3]}\nAnswer:";
        int gold = Gold(PythonText.Int(Field(row, "answer", data, index), $"data '{data}' row {index} answer"), 4, data, index, "answer");
        return new ChoiceDocument(index, $"{subject}/{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            SameContext(context, Letters), Letters, gold, subject);
    }

    internal static string Description(string subject) =>
        $"The following are multiple choice questions (with answers) about {subject.Replace('_', ' ')}.\n\n";
}
