namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// arc_challenge (arc_easy.yaml with dataset_name ARC-Challenge): allenai/ai2_arc, split test;
/// doc_to_text "Question: {{question}}\nAnswer:", doc_to_choice choices.text, gold choices.label.index(answerKey);
/// acc and acc_norm.
/// </summary>
internal sealed class ArcChallengeTask : LoglikTask
{
    public override string Name => "arc_challenge";
    public override string DefaultData => "allenai/ai2_arc";
    public override string? HubConfig => "ARC-Challenge";
    public override string HubSplit => "test";
    public override IReadOnlyList<string> Metrics => ["acc", "acc_norm"];

    protected override ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data)
    {
        var choices = Json(row, "choices", data, index);
        var texts = Strings(choices["text"], "choices.text", data, index);
        var labels = Strings(choices["label"], "choices.label", data, index);
        if (texts.Count != labels.Count || texts.Count == 0)
            throw new SlotSharpException($"data '{data}' row {index}: choices.text and choices.label differ in length or are empty");
        var key = Field(row, "answerKey", data, index);
        int gold = labels.ToList().IndexOf(key);
        if (gold < 0) throw new SlotSharpException($"data '{data}' row {index}: answerKey '{key}' is not among the labels");
        var context = "Question: " + Field(row, "question", data, index) + "\nAnswer:";
        return new ChoiceDocument(index, Field(row, "id", data, index), SameContext(context, texts), texts, gold);
    }
}
