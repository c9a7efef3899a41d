namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// piqa: dataset_path baber/piqa at the pinned commit (the same columns as ybisk/piqa), split validation;
/// doc_to_text "Question: {{goal}}\nAnswer:", choices [sol1, sol2], gold label; acc and acc_norm.
/// </summary>
internal sealed class PiqaTask : LoglikTask
{
    public override string Name => "piqa";
    public override string DefaultData => "baber/piqa";
    public override string? HubConfig => null;
    public override string HubSplit => "validation";
    public override IReadOnlyList<string> Metrics => ["acc", "acc_norm"];

    protected override ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data)
    {
        string[] choices = [Field(row, "sol1", data, index), Field(row, "sol2", data, index)];
        var context = "Question: " + Field(row, "goal", data, index) + "\nAnswer:";
        int gold = Gold(PythonText.Int(Field(row, "label", data, index), $"data '{data}' row {index} label"), 2, data, index, "label");
        return new ChoiceDocument(index, index.ToString(System.Globalization.CultureInfo.InvariantCulture), SameContext(context, choices), choices, gold);
    }
}
