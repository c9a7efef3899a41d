using System.CommandLine;
using System.Globalization;
using SlotSharp.Evaluation;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// --slot-select heldout:M: run every --sweep-times/--sweep-lr setting on each request with SLOT fitted on the
/// context minus its last M tokens, and score the request under the setting that predicts those M tokens best.
/// </summary>
internal static class SlotSelectOption
{
    public static Option<string?> Create() => new("--slot-select")
    {
        Description = "heldout:M: per request, fit every swept setting without the context's last M tokens and keep the one that predicts them best",
    };

    /// <summary>The held-out token count, or null without the option.</summary>
    public static int? Parse(string? text)
    {
        if (text == null) return null;
        const string prefix = "heldout:";
        if (text.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m >= 1)
            return m;
        throw new UserInputException($"--slot-select must be 'heldout:M' with M >= 1 held-out tokens, got '{text}'");
    }

    /// <summary>The one progress line of a selection run.</summary>
    public static SlotSetting Label(IReadOnlyList<SlotSetting> settings) => settings[0];
}
