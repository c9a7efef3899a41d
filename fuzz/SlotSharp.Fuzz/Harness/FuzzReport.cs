using System.Text;

namespace SlotSharp.Fuzz.Harness;

/// <summary>The summary table, the findings list, and the failing inputs saved for reproduction.</summary>
public static class FuzzReport
{
    /// <summary>A Markdown table: format, inputs, and how many ended in each outcome.</summary>
    public static string Table(IReadOnlyList<FormatResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| format | inputs | ok | clean errors | crashes | hangs | over-memory | seconds |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            sb.AppendLine($"| {r.Format.Name} | {r.Inputs} | {r.Counts[OutcomeKind.Ok]} | {r.Counts[OutcomeKind.CleanError]} | " +
                          $"{r.Counts[OutcomeKind.Crash]} | {r.Counts[OutcomeKind.Hang]} | " +
                          $"{r.Counts[OutcomeKind.OverMemory]} | {r.Elapsed.TotalSeconds:F1} |");
        return sb.ToString();
    }

    /// <summary>One paragraph per finding: signature, count, pending note, first message, where its inputs were saved.</summary>
    public static string Findings(IReadOnlyList<FormatResult> results, string? savedTo)
    {
        var sb = new StringBuilder();
        foreach (var r in results)
        {
            if (r.StoppedEarly != null) sb.AppendLine($"- {r.Format.Name}: {r.StoppedEarly}");
            foreach (var f in r.Findings.Values.OrderBy(f => f.Kind).ThenByDescending(f => f.Count))
            {
                var first = f.Examples[0];
                var pending = KnownFindings.PendingNote(f.Format, f.Signature);
                sb.AppendLine($"- {f.Format}: {f.Signature} x{f.Count}{(pending == null ? "" : $" [pending: {pending}]")}");
                sb.AppendLine($"  first: seed {first.Seed}, {first.Input.Length} bytes, {first.Outcome.Elapsed.TotalMilliseconds:F0} ms, " +
                              $"{first.Outcome.AllocatedBytes / 1024 / 1024} MB allocated");
                if (first.Outcome.Error is { } e) sb.AppendLine($"  message: {OneLine(e.Message)}");
                if (f.LateFinish is { } late) sb.AppendLine($"  the first hung input finished after {late.TotalSeconds:F1} s");
                if (f.Shrunk is { } s) sb.AppendLine($"  shrunk to {s.Input.Length} bytes");
                if (savedTo != null) sb.AppendLine($"  inputs: {Path.Combine(savedTo, Folder(f))}");
            }
        }
        return sb.Length == 0 ? "no findings\n" : sb.ToString();
    }

    /// <summary>Writes each finding's kept inputs (and shrunk input) with a text file of seeds and stack traces.</summary>
    public static void Save(IReadOnlyList<FormatResult> results, string root)
    {
        foreach (var r in results)
            foreach (var f in r.Findings.Values)
            {
                var dir = Path.Combine(root, Folder(f));
                Directory.CreateDirectory(dir);
                var notes = new StringBuilder($"format: {f.Format}\nsignature: {f.Signature}\ncount: {f.Count}\n");
                var inputs = f.Examples.Select((x, i) => (Name: $"input{i}", x)).ToList();
                if (f.Shrunk != null) inputs.Add(("shrunk", f.Shrunk));
                foreach (var (name, x) in inputs)
                {
                    File.WriteAllBytes(Path.Combine(dir, name + r.Format.Extension), x.Input);
                    notes.AppendLine($"\n{name}{r.Format.Extension}: seed {x.Seed} " +
                                     $"(reproduce: dotnet run -c Release --project fuzz/SlotSharp.Fuzz -- --repro {f.Format} {x.Seed})");
                    notes.AppendLine(x.Outcome.Error?.ToString() ?? x.Outcome.Kind.ToString());
                }
                File.WriteAllText(Path.Combine(dir, "README.txt"), notes.ToString());
            }
    }

    static string Folder(Finding f) =>
        Path.Combine(f.Format, string.Concat(f.Signature.Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_')));

    static string OneLine(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= 240 ? s : s[..240] + "...";
    }
}
