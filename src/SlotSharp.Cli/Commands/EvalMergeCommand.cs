using System.CommandLine;
using SlotSharp.Evaluation.Tasks;

namespace SlotSharp.Cli.Commands;

/// <summary><c>slot eval merge DIR...</c>: combines shard runs into the files one unsharded run writes.</summary>
internal static class EvalMergeCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("folders") { Description = "Output folders of the shard runs", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output") { Description = "Folder for the merged journal, results, details and log", DefaultValueFactory = _ => "." };
        var cmd = new Command("merge", "Combine the shards of a task run (slot eval TASK --shard i/n) into its results");
        cmd.Arguments.Add(folders);
        cmd.Options.Add(output);
        cmd.SetAction(pr => CliErrors.Guard(() =>
        {
            var (tasks, loglik) = TaskShardMerge.MergeAll(pr.GetValue(folders)!, pr.GetValue(output)!);
            foreach (var r in tasks) EvalTaskCommand.Print(r);
            foreach (var r in loglik) EvalLoglikCommand.Print(r);
            return 0;
        }));
        return cmd;
    }
}
