namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// winogrande (default.yaml, preprocess_winogrande.py): allenai/winogrande config winogrande_xl, split validation. The
/// choices are contexts: the sentence up to the "_" with option1 or option2 filled in; the one continuation is " " +
/// the rest of the sentence after the "_", stripped; gold answer "1" -> 0, "2" -> 1; acc only.
/// </summary>
internal sealed class WinograndeTask : LoglikTask
{
    public override string Name => "winogrande";
    public override string DefaultData => "allenai/winogrande";
    public override string? HubConfig => "winogrande_xl";
    public override string HubSplit => "validation";
    public override IReadOnlyList<string> Metrics => ["acc"];

    protected override ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data)
    {
        var sentence = Field(row, "sentence", data, index);
        int blank = sentence.IndexOf('_', StringComparison.Ordinal);
        if (blank < 0) throw new SlotSharpException($"data '{data}' row {index}: the sentence has no '_' to fill");
        var target = " " + PythonText.Strip(sentence[(blank + 1)..]);
        string[] contexts = [sentence[..blank] + Field(row, "option1", data, index), sentence[..blank] + Field(row, "option2", data, index)];
        int gold = Field(row, "answer", data, index) switch
        {
            "1" => 0,
            "2" => 1,
            var a => throw new SlotSharpException($"data '{data}' row {index}: answer must be \"1\" or \"2\", got '{a}'"),
        };
        return new ChoiceDocument(index, index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            contexts.Select(c => new LoglikRequest(c, target)).ToList(), contexts, gold);
    }
}
