using System.CommandLine;
using System.Text.Json;
using SlotSharp.Hub;
using Spectre.Console;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot download REPO_ID`: fills the shared Hugging Face cache and prints the snapshot folder.</summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var repoId = new Argument<string>("repo-id") { Description = "Hub repository id, e.g. Qwen/Qwen2.5-0.5B-Instruct" };
        var revision = new Option<string?>("--revision") { Description = "Branch, tag or commit (default: main)" };
        var repoType = new Option<string>("--repo-type")
        {
            Description = "model (configs, tokenizer, safetensors only; or one GGUF file) or dataset (every file)",
            DefaultValueFactory = _ => "model",
        };
        repoType.AcceptOnlyFromAmong("model", "dataset");
        var json = new Option<bool>("--json") { Description = "Print {repo, revision, commit, path} as JSON" };
        var ggufFile = new Option<string?>("--gguf-file")
        {
            Description = "A model repo's GGUF file to fetch instead of its safetensors (a repo holding only GGUF files " +
                          "gets the only one, else Q8_0, else Q4_K_M, without this)",
        };

        var cmd = new Command("download", "Download a Hub repository into the huggingface_hub cache (HF_HOME / HF_HUB_CACHE) " +
                                          "and print its snapshot folder");
        cmd.Arguments.Add(repoId);
        cmd.Options.Add(revision);
        cmd.Options.Add(repoType);
        cmd.Options.Add(json);
        cmd.Options.Add(ggufFile);
        // Guard here too: System.CommandLine's own exception handler would otherwise print a stack trace.
        cmd.SetAction(parse => CliErrors.Guard(() =>
        {
            var type = parse.GetValue(repoType) == "dataset" ? HubRepoType.Dataset : HubRepoType.Model;
            var weights = new WeightsChoice(GgufFile: parse.GetValue(ggufFile));
            var snapshot = HubProgressBars.Run(progress =>
                HubResolver.Download(parse.GetValue(repoId)!, type, parse.GetValue(revision), progress, weights: weights));
            Console.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new
                {
                    repo = snapshot.Repo.Id, type = HubRepoId.TypeWord(type), revision = snapshot.Revision,
                    commit = snapshot.Commit, path = snapshot.Folder, offline = snapshot.FromCacheOnly,
                })
                : snapshot.Folder);
            return 0;
        }));
        return cmd;
    }
}

/// <summary>
/// Renders Hub download progress as Spectre.Console bars on stderr (stdout stays clean for the printed path).
/// Other commands (generate --model, eval --data) wrap their resolve call in <see cref="Run{T}"/> too.
/// </summary>
internal static class HubProgressBars
{
    public static T Run<T>(Func<IProgress<HubProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx => result = work(new Sink(ctx)));
        return result;
    }

    /// <summary>Reports arrive on download threads; one bar per file, created on its first report.</summary>
    sealed class Sink(ProgressContext ctx) : IProgress<HubProgress>
    {
        readonly Dictionary<string, ProgressTask> _bars = new(StringComparer.Ordinal);

        public void Report(HubProgress p)
        {
            lock (_bars)
            {
                if (!_bars.TryGetValue(p.File, out var bar))
                {
                    var label = Markup.Escape(p.File) + (p.Status == HubFileStatus.Cached ? " [grey](cached)[/]" : "");
                    _bars[p.File] = bar = ctx.AddTask(label,
                        new ProgressTaskSettings { MaxValue = Math.Max(1, p.BytesTotal ?? p.BytesDone) });
                }
                if (p.BytesTotal is { } total) bar.MaxValue = Math.Max(1, total);
                bar.Value = p.Status == HubFileStatus.Downloading ? p.BytesDone : bar.MaxValue;
                if (p.Status != HubFileStatus.Downloading) bar.StopTask();
            }
        }
    }
}
