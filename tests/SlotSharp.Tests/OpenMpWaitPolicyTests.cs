using SlotSharp.Runtime;

namespace SlotSharp.Tests;

/// <summary>
/// libtorch's OpenMP must start with sleeping idle threads (spin count 0) unless the user chose otherwise: with
/// libgomp's default spin count of 300,000, two threads decoded slower than one on shared cores (docs/benchmarks.md).
/// Read from libgomp itself: OMP_DISPLAY_ENV=VERBOSE makes it print the settings it starts with, in a child `slot`.
/// </summary>
public class OpenMpWaitPolicyTests
{
    static string TorchOpenMpSettings(Dictionary<string, string> env)
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        env["OMP_DISPLAY_ENV"] = "VERBOSE";
        var (code, _, err) = SlotProcess.Run(env, "generate", "--model", model, "--prompt-ids", "1,2,3", "--max-new-tokens", "1", "--threads", "2");
        Assert.True(code == 0, err);
        Assert.Contains("OPENMP DISPLAY ENVIRONMENT BEGIN", err); // libtorch's libgomp started in this process
        return err;
    }

    [SkippableFact]
    public void TorchOpenMpStartsWithoutSpinning()
    {
        var settings = TorchOpenMpSettings([]);
        Assert.Contains("GOMP_SPINCOUNT = '0'", settings);
        Assert.Contains($"OMP_WAIT_POLICY = '{OpenMpWaitPolicy.Default}'", settings);
    }

    [SkippableFact]
    public void AUsersSpinCountWins()
    {
        var settings = TorchOpenMpSettings(new() { ["GOMP_SPINCOUNT"] = "1234" });
        Assert.Contains("GOMP_SPINCOUNT = '1234'", settings);
    }
}
