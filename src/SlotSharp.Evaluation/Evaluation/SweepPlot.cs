using ScottPlot;

namespace SlotSharp.Evaluation;

/// <summary>One setting's point of a sweep plot; <paramref name="FormatAccuracy"/> is drawn only when given (GSM8K).</summary>
internal sealed record SweepPoint(string Times, string Lr, double Accuracy, double AccuracyStderr, double? FormatAccuracy = null);

/// <summary>Accuracy (and format accuracy, when known) versus SLOT iterations, one line (pair) per learning rate.</summary>
internal static class SweepPlot
{
    public static void Save(string path, IReadOnlyList<EvalSummary> summaries, string title, int width = 900, int height = 560) =>
        Save(path, summaries.Select(s => new SweepPoint(s.Times, s.Lr, s.Accuracy, s.AccuracyStderr, s.FormatAccuracy)).ToList(),
            title, "answer accuracy", width, height);

    /// <param name="reference">A value drawn as a dashed horizontal line across the plot (a selection mode's accuracy).</param>
    public static void Save(string path, IReadOnlyList<SweepPoint> summaries, string title, string accuracyLabel,
        int width = 900, int height = 560, (string Label, double Value)? reference = null)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colorIndex = 0;
        foreach (var group in summaries.GroupBy(s => s.Lr))
        {
            var points = group.OrderBy(s => int.Parse(s.Times, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            double[] xs = points.Select(s => (double)int.Parse(s.Times, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var color = palette.GetColor(colorIndex++);

            var acc = plot.Add.Scatter(xs, points.Select(s => s.Accuracy).ToArray());
            acc.Color = color;
            acc.LineWidth = 2;
            acc.MarkerSize = 7;
            acc.LegendText = $"{accuracyLabel}, lr={group.Key}";
            // Error bars show one binomial standard error, so readers can judge whether differences are noise.
            var err = plot.Add.ErrorBar(xs, points.Select(s => s.Accuracy).ToArray(), points.Select(s => s.AccuracyStderr).ToArray());
            err.Color = color;

            if (points.Any(s => s.FormatAccuracy is null)) continue;
            var fmt = plot.Add.Scatter(xs, points.Select(s => s.FormatAccuracy!.Value).ToArray());
            fmt.Color = color;
            fmt.LineWidth = 2;
            fmt.MarkerSize = 7;
            fmt.MarkerShape = MarkerShape.OpenSquare;
            fmt.LinePattern = LinePattern.Dashed;
            fmt.LegendText = $"format accuracy, lr={group.Key}";
        }
        if (reference is { } r)
        {
            var line = plot.Add.HorizontalLine(r.Value);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 2;
            line.Color = Colors.Black;
            line.LegendText = $"{r.Label}: {r.Value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}";
        }
        plot.Title(title);
        plot.XLabel("SLOT iterations (times)");
        plot.YLabel("accuracy");
        plot.Axes.SetLimitsY(0, 1.05);
        var allTimes = summaries.Select(s => double.Parse(s.Times, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        plot.Axes.SetLimitsX(allTimes.Min() - 0.5, allTimes.Max() + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        // Outside the data area so it never hides a point near 0 or 1.
        plot.ShowLegend(Edge.Right);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
    }
}
