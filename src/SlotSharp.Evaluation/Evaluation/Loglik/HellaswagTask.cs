using System.Text.RegularExpressions;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// hellaswag: Rowan/hellaswag, split validation, through utils.process_docs: query = preprocess(activity_label + ": " +
/// ctx_a + " " + ctx_b.capitalize()), choices = preprocess(each ending), gold int(label); acc and acc_norm.
/// </summary>
internal sealed partial class HellaswagTask : LoglikTask
{
    public override string Name => "hellaswag";
    public override string DefaultData => "Rowan/hellaswag";
    public override string? HubConfig => null;
    public override string HubSplit => "validation";
    public override IReadOnlyList<string> Metrics => ["acc", "acc_norm"];

    protected override ChoiceDocument Document(IReadOnlyDictionary<string, string?> row, int index, string data)
    {
        var ctx = Field(row, "ctx_a", data, index) + " " + PythonText.Capitalize(Field(row, "ctx_b", data, index));
        var query = Preprocess(Field(row, "activity_label", data, index) + ": " + ctx);
        var choices = Strings(Json(row, "endings", data, index), "endings", data, index).Select(Preprocess).ToList();
        int gold = Gold(PythonText.Int(Field(row, "label", data, index), $"data '{data}' row {index} label"), choices.Count, data, index, "label");
        var id = row.TryGetValue("ind", out var ind) && ind != null ? ind : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ChoiceDocument(index, id, SameContext(query, choices), choices, gold);
    }

    /// <summary>utils.preprocess: strip, " [title]" to ". ", drop every [..] (WikiHow artifacts), then "  " to " " once over.</summary>
    internal static string Preprocess(string text)
    {
        text = PythonText.Strip(text);
        text = text.Replace(" [title]", ". ", StringComparison.Ordinal);
        text = Brackets().Replace(text, "");
        return text.Replace("  ", " ", StringComparison.Ordinal);
    }

    // Python's re "\[.*?\]": '.' stops at '\n' only, as .NET's without Singleline.
    [GeneratedRegex(@"\[.*?\]", RegexOptions.CultureInvariant)]
    private static partial Regex Brackets();
}
