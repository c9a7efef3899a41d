using System.Globalization;
using System.Text;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// The results table lighteval prints at the end of a run (and SLOT's logs end with), as pytablewriter renders it:
/// headers centred like Python's str.center, text columns left-aligned, number columns right-aligned with a
/// "--:" separator, every column at least 3 wide. Values are formatted "%.4f" by lighteval and then re-read as
/// numbers by pytablewriter, which drops trailing zeros ("0.0920" prints as "0.092").
/// </summary>
internal static class SummaryTable
{
    static readonly string[] Headers = ["Task", "Version", "Metric", "Value", "", "Stderr"];
    static readonly bool[] RightAligned = [false, true, false, true, false, true];

    /// <summary>The table for one task: an "all" row and the task's row (the same numbers for a single task).</summary>
    public static string Render(string resultsKey, int version, string metric, TaskMetrics m) =>
        Render(resultsKey, version, [(metric, m)]);

    /// <summary>
    /// Several metrics of one task, as lighteval's make_results_table lists them: for "all" and then the task, one row
    /// per metric, the key and version only on the key's first row.
    /// </summary>
    public static string Render(string resultsKey, int version, IReadOnlyList<(string Metric, TaskMetrics Value)> metrics)
    {
        var rowList = new List<string[]>();
        foreach (var (key, ver) in new[] { ("all", ""), (resultsKey.Replace('|', ':'), version.ToString(CultureInfo.InvariantCulture)) })
            for (int i = 0; i < metrics.Count; i++)
            {
                var (metric, m) = metrics[i];
                string pm = m.Stderr.HasValue ? "±" : "", se = m.Stderr is { } s ? Number(s) : "";
                rowList.Add([i == 0 ? key : "", i == 0 ? ver : "", metric, Number(m.Value), pm, se]);
            }
        var rows = rowList.ToArray();
        var widths = Enumerable.Range(0, Headers.Length)
            .Select(c => Math.Max(3, Math.Max(Headers[c].Length, rows.Max(r => r[c].Length)))).ToArray();
        var sb = new StringBuilder();
        Line(sb, Enumerable.Range(0, Headers.Length).Select(c => Center(Headers[c], widths[c])));
        Line(sb, Enumerable.Range(0, Headers.Length).Select(c =>
            RightAligned[c] ? new string('-', widths[c] - 1) + ":" : new string('-', widths[c])));
        foreach (var row in rows)
            Line(sb, Enumerable.Range(0, Headers.Length).Select(c =>
                RightAligned[c] ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c])));
        return sb.ToString();
    }

    static void Line(StringBuilder sb, IEnumerable<string> cells) => sb.Append('|').AppendJoin('|', cells).Append("|\n");

    /// <summary>"%.4f", then as a number again: trailing zeros (and a bare trailing point) dropped.</summary>
    public static string Number(double v)
    {
        var s = PythonFormat.Fixed(v, 4);
        return s.Contains('.') ? s.TrimEnd('0').TrimEnd('.') : s;
    }

    /// <summary>Python's str.center: the odd space goes left only when both the margin and the width are odd.</summary>
    public static string Center(string s, int width)
    {
        int margin = width - s.Length;
        if (margin <= 0) return s;
        int left = margin / 2 + (margin & width & 1);
        return new string(' ', left) + s + new string(' ', margin - left);
    }
}
