
using SlotSharp.Cli.Commands;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

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

        Assert.Equal(2, SlotSharp.Cli.Program.Run(args));                 // no model there: a user error, exit 2
        int Run(string[] a) => SlotSharp.Cli.Program.Run(SlotSharp.Cli.Program.CreateRoot(_ => new FakeEvalModel(data.GoldByRow)), a, Console.Error);
        Assert.Equal(0, Run(args));
        var log = File.ReadAllText(Path.Combine(output, "logs", "log_times_5_lr_0.1.txt"));
        Assert.EndsWith("Answer Accuracy: 0.8000\nFormat Accuracy: 0.6000\n", log);
        Assert.Equal(2, Run([.. args[..^2], "--output", output, "--seed", "7"])); // mismatch refused
        Assert.Equal(2, Run([.. args, "--sweep-times", "1,2"]));                  // --times and --sweep-times
    }

    [SkippableTheory]
    [InlineData("gsm8k")]
    [InlineData("aime24")]
    public void EveryModelFlagReachesTheLoader(string task)
    {
        // Regression: eval registered --backend, --gguf-file and --context but loaded the model without them.
        using var data = new EvalTestData();
        var model = Directory.CreateDirectory(Path.Combine(data.Dir, "model")).FullName; // a local folder: never looked up on the Hub
        EvalModelRequest? seen = null;
        var root = SlotSharp.Cli.Program.CreateRoot(r => { seen = r; throw new SlotSharpException("stop here"); });
        string[] args = ["eval", task, "--model", model, "--backend", "llamacpp", "--gguf-file", "m-q4_k_m.gguf", "--context", "4096",
            "--threads", "3", "--revision", "v1", "--batch-size", "4", "--output", Path.Combine(data.Dir, "out"),
            .. task == "gsm8k" ? new[] { "--data", data.DataFile } : ["--data", Aime24Fixture.Write(data.Dir)]];
        Assert.Equal(2, SlotSharp.Cli.Program.Run(root, args, TextWriter.Null));
        Assert.NotNull(seen);
        Assert.Equal(model, seen.Model);
        Assert.Equal(4, seen.MaxBatchSize);
        Assert.Equal(SlotSharp.Backends.BackendKind.LlamaCpp, seen.Load!.Backend);
        Assert.Equal("m-q4_k_m.gguf", seen.Load.GgufFile);
        Assert.Equal(4096, seen.Load.LlamaCpp.ContextSize);
        Assert.Equal(4, seen.Load.LlamaCpp.MaxSequences);
        Assert.Equal(3, seen.Load.Threads);
        Assert.Equal("v1", seen.Load.Revision);
    }
}

/// <summary>A one-problem aime24 JSONL file in lighteval's schema.</summary>
static class Aime24Fixture
{
    public static string Write(string dir)
    {
        var path = Path.Combine(dir, "aime24.jsonl");
        File.WriteAllText(path, "{\"id\": 60, \"year\": 2024, \"problem\": \"What is 1+1?\", \"solution\": \"2\", \"answer\": 2, \"url\": \"u\"}\n");
        return path;
    }
}
