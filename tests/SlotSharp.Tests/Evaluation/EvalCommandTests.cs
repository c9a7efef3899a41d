using SlotSharp.Pipeline;
using SlotSharp.Cli.Commands;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

// Tests here touch the static EvalEngineFactory.Override, so they live in one class (xunit runs a class serially).
public class EvalCommandTests
{
    static readonly Func<string, string?> NoEnv = _ => null;

    [SkippableFact]
    public void Times_and_lr_resolve_flag_then_env_then_defaults()
    {
        Assert.Equal([new SlotSetting("5", "0.1")], EvalCommand.ResolveSettings(null, null, null, null, NoEnv));
        Func<string, string?> env = k => k == "times" ? "3" : "0.001";
        Assert.Equal([new SlotSetting("3", "0.001")], EvalCommand.ResolveSettings(null, null, null, null, env));
        Assert.Equal([new SlotSetting("2", "1e-1")], EvalCommand.ResolveSettings("2", "1e-1", null, null, env));
        var sweep = EvalCommand.ResolveSettings(null, null, "0,1, 2", "0.1,0.05", NoEnv);
        Assert.Equal(["times=0 lr=0.1", "times=1 lr=0.1", "times=2 lr=0.1", "times=0 lr=0.05", "times=1 lr=0.05", "times=2 lr=0.05"],
            sweep.Select(s => s.ToString()));
        Assert.Throws<UserInputException>(() => EvalCommand.ResolveSettings("1", null, "1,2", null, NoEnv));
        Assert.Throws<UserInputException>(() => EvalCommand.ResolveSettings("x", null, null, null, NoEnv));
        Assert.Throws<UserInputException>(() => EvalCommand.ResolveSettings(null, "fast", null, null, NoEnv));
        Assert.Throws<UserInputException>(() => EvalCommand.ResolveSettings(null, null, "1,1", null, NoEnv));
    }

    [SkippableFact]
    public void Cli_runs_with_an_injected_engine_and_reports_a_missing_model()
    {
        using var data = new EvalTestData();
        var output = Path.Combine(data.Dir, "cli");
        var model = Path.Combine(data.Dir, "no-such-model"); // a local path: never looked up on the Hub
        string[] args = ["eval", "gsm8k", "--model", model, "--data", data.DataFile, "--eval-samples", "5",
            "--times", "5", "--lr", "0.1", "--batch-size", "2", "--output", output];

        Assert.Null(EvalEngineFactory.Override);
        Assert.Equal(2, SlotSharp.Cli.Program.Run(args));                 // no model there: a user error, exit 2
        try
        {
            EvalEngineFactory.Override = _ => new FakeEvalEngine(data.GoldByRow);
            Assert.Equal(0, SlotSharp.Cli.Program.Run(args));
            var log = File.ReadAllText(Path.Combine(output, "logs", "log_times_5_lr_0.1.txt"));
            Assert.EndsWith("Answer Accuracy: 0.8000\nFormat Accuracy: 0.6000\n", log);
            Assert.Equal(2, SlotSharp.Cli.Program.Run([.. args[..^2], "--output", output, "--seed", "7"])); // mismatch refused
            Assert.Equal(2, SlotSharp.Cli.Program.Run([.. args, "--sweep-times", "1,2"]));                  // --times and --sweep-times
        }
        finally { EvalEngineFactory.Override = null; }
    }
}
