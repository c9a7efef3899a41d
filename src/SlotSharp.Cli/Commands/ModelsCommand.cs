using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Hub;
using Spectre.Console;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot models list` and `slot models rm`: the huggingface_hub cache (HF_HUB_CACHE, else HF_HOME/hub, else
/// ~/.cache/huggingface/hub) as `huggingface-cli scan-cache` reports it: safetensors and GGUF model repos and datasets,
/// their revisions and refs, files, size on disk (each blob once), last access and modification.
/// </summary>
internal static class ModelsCommand
{
    static readonly JsonSerializerOptions JsonOut = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static Command Create()
    {
        var models = new Command("models", "List and remove what the shared Hugging Face cache holds");
        models.Subcommands.Add(CreateList());
        models.Subcommands.Add(ModelsRemoveCommand.Create());
        return models;
    }

    static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "Print the whole report as JSON (revisions, refs and files included)" };
        var cmd = new Command("list", "List the cached repositories, their revisions, sizes on disk and last access, and the total");
        cmd.Aliases.Add("ls");
        cmd.Options.Add(json);
        cmd.SetAction(parse =>
        {
            var cacheDir = HubSettings.FromEnvironment().CacheDir;
            if (!Directory.Exists(cacheDir))
            {
                if (parse.GetValue(json)) Console.WriteLine(new JsonObject { ["cache_dir"] = cacheDir, ["size_on_disk"] = 0, ["repos"] = new JsonArray() }.ToJsonString(JsonOut));
                else Console.WriteLine($"No Hugging Face cache at {cacheDir} yet: nothing has been downloaded.");
                return 0;
            }
            var report = HubCacheScan.Scan(cacheDir);
            if (parse.GetValue(json)) Console.WriteLine(Json(report).ToJsonString(JsonOut));
            else Print(report);
            foreach (var w in report.Warnings) Console.Error.WriteLine($"warning: {w}");
            return 0;
        });
        return cmd;
    }

    static void Print(HubCacheReport report)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        // Piped, Spectre assumes 80 columns and would wrap every row; a file or a pager takes the full width.
        if (Console.IsOutputRedirected) console.Profile.Width = 240;
        var table = new Table().AddColumns("REPO ID", "TYPE", "FORMAT", "REVISIONS", "FILES", "SIZE ON DISK", "LAST ACCESSED", "LAST MODIFIED");
        table.Columns[4].RightAligned();
        table.Columns[5].RightAligned();
        foreach (var r in report.Repos)
            table.AddRow(Markup.Escape(r.Id) + (r.Warnings.Count > 0 ? " [yellow](!)[/]" : ""), r.Type,
                r.Formats.Count == 0 ? "-" : string.Join(", ", r.Formats),
                Markup.Escape(string.Join("\n", r.Revisions.Select(Revision))), r.FileCount.ToString(CultureInfo.InvariantCulture),
                FormatSize(r.SizeOnDisk), TimeSince(r.LastAccessedUtc), TimeSince(r.LastModifiedUtc));
        console.Write(table);
        console.WriteLine($"{report.Repos.Count} repo(s) in {report.CacheDir}, {FormatSize(report.SizeOnDisk)} on disk in total.");
        if (report.Incomplete.Count > 0)
            console.WriteLine($"{report.Incomplete.Count} incomplete download(s) ({FormatSize(report.Incomplete.Sum(i => i.Size))}) in blobs/*.incomplete.");
        if (report.Warnings.Count > 0) console.WriteLine($"{report.Warnings.Count} warning(s) while scanning, on stderr; (!) marks the repos concerned.");
    }

    /// <summary>"abc1234 (main)": the short commit and the refs naming it, as the list shows a revision.</summary>
    internal static string Revision(CachedRevision r) => r.Commit[..Math.Min(7, r.Commit.Length)] + (r.Refs.Count > 0 ? $" ({string.Join(", ", r.Refs)})" : "");

    static JsonObject Json(HubCacheReport report) => new()
    {
        ["cache_dir"] = report.CacheDir,
        ["size_on_disk"] = report.SizeOnDisk,
        ["repos"] = new JsonArray([.. report.Repos.Select(r => (JsonNode)new JsonObject
        {
            ["repo_id"] = r.Id,
            ["repo_type"] = r.Type,
            ["formats"] = new JsonArray([.. r.Formats.Select(f => (JsonNode)f)]),
            ["size_on_disk"] = r.SizeOnDisk,
            ["nb_files"] = r.FileCount,
            ["last_accessed"] = r.LastAccessedUtc.ToString("o", CultureInfo.InvariantCulture),
            ["last_modified"] = r.LastModifiedUtc.ToString("o", CultureInfo.InvariantCulture),
            ["local_path"] = r.Folder,
            ["revisions"] = new JsonArray([.. r.Revisions.Select(v => (JsonNode)new JsonObject
            {
                ["commit_hash"] = v.Commit,
                ["refs"] = new JsonArray([.. v.Refs.Select(x => (JsonNode)x)]),
                ["size_on_disk"] = v.SizeOnDisk,
                ["nb_files"] = v.Files.Count,
                ["last_modified"] = v.LastModifiedUtc.ToString("o", CultureInfo.InvariantCulture),
                ["snapshot_path"] = v.SnapshotPath,
                ["files"] = new JsonArray([.. v.Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["size_on_disk"] = f.Size })]),
            })]),
            ["warnings"] = new JsonArray([.. r.Warnings.Select(w => (JsonNode)w)]),
        })]),
        ["incomplete"] = new JsonArray([.. report.Incomplete.Select(i => (JsonNode)new JsonObject { ["path"] = i.Path, ["size_on_disk"] = i.Size })]),
        ["warnings"] = new JsonArray([.. report.Warnings.Select(w => (JsonNode)w)]),
    };

    /// <summary>A size as scan-cache prints it (huggingface_hub's _format_size): powers of 1000, one decimal, "42.2K".</summary>
    internal static string FormatSize(long bytes)
    {
        double n = bytes;
        foreach (var unit in new[] { "", "K", "M", "G", "T", "P", "E", "Z" })
        {
            if (Math.Abs(n) < 1000.0) return OneDecimal(n) + unit;
            n /= 1000.0;
        }
        return OneDecimal(n) + "Y";
    }

    /// <summary>
    /// Python's format(v, ".1f"): the double's exact decimal value rounded half to even (40.25 gives 40.2, where .NET's
    /// "0.0" rounds the tie away from zero).
    /// </summary>
    static string OneDecimal(double v)
    {
        var inv = CultureInfo.InvariantCulture;
        // "F60" prints a double's exact digits, and a value below 2^53 has at most 52 of them after the point.
        var exact = Math.Abs(v).ToString("F60", inv);
        int dot = exact.IndexOf('.', StringComparison.Ordinal);
        var kept = decimal.Parse(exact[..(dot + 2)], inv);
        var rest = exact[(dot + 2)..];
        bool up = rest[0] > '5' || rest[0] == '5' && (rest.Skip(1).Any(c => c != '0') || exact[dot + 1] % 2 == 1);
        return (v < 0 ? "-" : "") + (kept + (up ? 0.1m : 0m)).ToString("0.0", inv);
    }

    /// <summary>A time as scan-cache prints it (huggingface_hub's format_timesince): "a few seconds ago", "3 days ago".</summary>
    internal static string TimeSince(DateTime utc, DateTime? now = null)
    {
        double delta = ((now ?? DateTime.UtcNow) - utc).TotalSeconds;
        if (delta < 20) return "a few seconds ago";
        (string Label, double Divider, int? Max)[] chunks =
        [
            ("second", 1, 60), ("minute", 60, 60), ("hour", 3600, 24), ("day", 86400, 6), ("week", 7 * 86400, 6),
            ("month", 30 * 86400, 11), ("year", 365 * 86400, null),
        ];
        long value = 0;
        string label = "";
        foreach (var (l, divider, max) in chunks)
        {
            // Python's round: halves to even, as Math.Round does by default.
            value = (long)Math.Round(delta / divider);
            label = l;
            if (max != null && value <= max) break;
        }
        return $"{value} {label}{(value > 1 ? "s" : "")} ago";
    }
}
