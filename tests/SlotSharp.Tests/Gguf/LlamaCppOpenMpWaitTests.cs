using System.CommandLine;
using System.Text.RegularExpressions;
using SlotSharp.Backends;
using SlotSharp.Cli.Commands;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// llama.cpp's OpenMP wait (--omp-wait, LlamaCppOptions.OpenMpWait): the option reaches the backend, a bad value is
/// one line naming it, the option / environment / default order, and, in a child `slot`, that what SlotSharp says
/// is in force is what libgomp itself reports (OMP_DISPLAY_ENV=VERBOSE makes each libgomp print its settings).
/// </summary>
public class LlamaCppOpenMpWaitTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    static ModelLoadOptions Parsed(params string[] flags)
    {
        var options = new ModelOptions();
        var cmd = new Command("generate");
        options.AddTo(cmd);
        var parse = cmd.Parse(["--model", "/some/model.gguf", .. flags]);
        Assert.Empty(parse.Errors);
        options.Validate(parse);
        return options.LoadOptions(parse);
    }

    [SkippableFact]
    public void TheOmpWaitOptionReachesLlamaCppOptions()
    {
        Assert.Equal(OpenMpWait.Active, Parsed("--omp-wait", "active").LlamaCpp.OpenMpWait);
        Assert.Equal(OpenMpWait.Passive, Parsed("--omp-wait", "PASSIVE").LlamaCpp.OpenMpWait);
        Assert.Equal(OpenMpWait.SpinThenSleep, Parsed("--omp-wait", "spin-then-sleep").LlamaCpp.OpenMpWait);
        Assert.Null(Parsed().LlamaCpp.OpenMpWait);
    }

    [SkippableFact]
    public void ABadOmpWaitExitsTwoWithOneLineNamingTheOption()
    {
        var error = new StringWriter();
        int code = SlotSharp.Cli.Program.Run(SlotSharp.Cli.Program.CreateRoot(),
            ["generate", "--model", "/nonexistent/model.gguf", "--prompt-ids", "1,2", "--omp-wait", "sometimes"], error);
        Assert.Equal(2, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --omp-wait", line);
        Assert.Contains("'sometimes'", line);
        Assert.Contains("passive, active or spin-then-sleep", line);
    }

    /// <summary>The plan's environment as "NAME=VALUE" to set and "-NAME" to unset, sorted.</summary>
    static string Environment(OpenMpLoadPlan plan) => string.Join(" ", plan.Environment.OrderBy(v => v.Key, StringComparer.Ordinal)
        .Select(v => v.Value == null ? $"-{v.Key}" : $"{v.Key}={v.Value}"));

    public static TheoryData<OpenMpWait?, string?, string?, string, string> Plans => new()
    {
        // requested, OMP_WAIT_POLICY, GOMP_SPINCOUNT -> the environment while llama.cpp loads, the wait in force
        { null, null, null, "-GOMP_SPINCOUNT OMP_WAIT_POLICY=PASSIVE", "passive" },                   // nothing chosen: the default
        { OpenMpWait.Active, null, null, "-GOMP_SPINCOUNT OMP_WAIT_POLICY=ACTIVE", "active" },        // the option
        { null, "active", null, "", "active" },                                                       // the user's environment, left alone
        { null, " Passive ", null, "", "passive" },                                                   // libgomp ignores case and spaces
        { OpenMpWait.Passive, "ACTIVE", null, "-GOMP_SPINCOUNT OMP_WAIT_POLICY=PASSIVE", "passive" }, // the option wins over the environment
        { OpenMpWait.Active, null, "1000", "-GOMP_SPINCOUNT OMP_WAIT_POLICY=ACTIVE", "active" },      // ... and over a spin count, which would win over the policy
        { OpenMpWait.SpinThenSleep, "passive", "1000", "-GOMP_SPINCOUNT -OMP_WAIT_POLICY", "spin-then-sleep" }, // libgomp's default: neither variable
        { null, "passive", "1000", "", "GOMP_SPINCOUNT=1000" },                                       // libgomp lets the spin count win over the policy
        { null, "sometimes", null, "", "spin-then-sleep" },                                           // libgomp ignores a policy it does not know
    };

    [SkippableTheory]
    [MemberData(nameof(Plans))]
    public void TheOptionWinsOverTheEnvironmentWhichWinsOverTheDefault(OpenMpWait? requested, string? policy, string? spinCount,
        string environment, string wait)
    {
        var plan = LlamaCppOpenMp.Plan(requested, policy, spinCount);
        Assert.Equal(environment, Environment(plan));
        Assert.Equal(wait, plan.InForce.Wait);
        Assert.Null(LlamaCppOpenMp.Conflict(requested, plan.InForce));
    }

    [SkippableFact]
    public void ALibgompLoadedFirstDecidesAndARequestAgainstItIsNamedWithTheWaitInForce()
    {
        var torch = new OpenMpWaitInForce("passive", "SlotSharp's setting for libtorch's OpenMP");
        var plan = LlamaCppOpenMp.Plan(OpenMpWait.Active, null, null, "libgomp-98b21ff3.so.1", torch);
        Assert.Empty(plan.Environment);
        Assert.Equal("passive", plan.InForce.Wait);
        Assert.Contains("libgomp-98b21ff3.so.1 was already loaded", plan.InForce.Why);
        var line = LlamaCppOpenMp.Conflict(OpenMpWait.Active, plan.InForce);
        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("'active' cannot take effect", line);
        Assert.Contains("wait passive", line);
        Assert.Contains("libtorch", line);
        Assert.Null(LlamaCppOpenMp.Conflict(OpenMpWait.Passive, plan.InForce));
        Assert.Null(LlamaCppOpenMp.Conflict(null, plan.InForce));

        // Loaded by something SlotSharp did not record: what the environment says libgomp read.
        Assert.Equal("spin-then-sleep", LlamaCppOpenMp.Plan(null, null, null, "libgomp.so.1").InForce.Wait);
        Assert.Equal("active", LlamaCppOpenMp.Plan(OpenMpWait.Passive, "active", null, "libgomp.so.1").InForce.Wait);
    }

    [SkippableFact]
    public void TheLoadedLibgompIsFoundInProcMaps()
    {
        string[] maps =
        [
            "7f1c2a000000-7f1c2a021000 r--p 00000000 fd:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f1c2b000000-7f1c2b001000 rw-p 00000000 00:00 0 ",
            "7f1c2c000000-7f1c2c010000 r-xp 00004000 fd:01 5678   /home/u/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/libgomp-98b21ff3.so.1",
        ];
        Assert.Equal("libgomp-98b21ff3.so.1", LlamaCppOpenMp.LibgompIn(maps));
        Assert.Equal("libgomp.so.1", LlamaCppOpenMp.LibgompIn(["7f-7f r-xp 0 fd:01 9 /usr/lib/x86_64-linux-gnu/libgomp.so.1"]));
        Assert.Null(LlamaCppOpenMp.LibgompIn(maps[..2]));
    }

    [SkippableFact]
    public void TheNativeEnvironmentHoldsTheWaitOnlyDuringTheLoad()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the native environment is set through libc's setenv on Linux only");
        // Names of this test's own: the process's real OpenMP variables stay untouched.
        const string set = "SLOTSHARP_TEST_WAIT_SET", hidden = "SLOTSHARP_TEST_WAIT_HIDDEN";
        LlamaCppOpenMp.WithNativeEnvironment(new Dictionary<string, string?> { [hidden] = "1000" }, () =>
        {
            string? during = null, hiddenDuring = "not read";
            LlamaCppOpenMp.WithNativeEnvironment(new Dictionary<string, string?> { [set] = "ACTIVE", [hidden] = null }, () =>
            {
                during = LlamaCppOpenMp.GetNative(set);
                hiddenDuring = LlamaCppOpenMp.GetNative(hidden);
            });
            Assert.Equal("ACTIVE", during);
            Assert.Null(hiddenDuring);
            Assert.Null(LlamaCppOpenMp.GetNative(set));          // unset again: the user had not set it
            Assert.Equal("1000", LlamaCppOpenMp.GetNative(hidden)); // the user's value back
        });
        Assert.Null(LlamaCppOpenMp.GetNative(hidden));
    }

    [SkippableFact]
    public void TheWaitSlotReportsIsTheOneLibgompStartedWith()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libgomp and OMP_DISPLAY_ENV are Linux's here");
        var gguf = models.F32("stories260K");
        var (code, _, err) = SlotProcess.Run(new Dictionary<string, string> { ["OMP_DISPLAY_ENV"] = "VERBOSE" },
            "generate", "--model", gguf, "--prompt-ids", "1,2,3", "--max-new-tokens", "1", "--times", "0", "--threads", "2",
            "--omp-wait", "active");
        Assert.True(code == 0, err);
        // One display per libgomp copy that started in the process, in load order.
        var started = Regex.Matches(err, @"OMP_WAIT_POLICY = '(\w+)'").Select(m => m.Groups[1].Value.ToLowerInvariant()).ToList();
        Assert.NotEmpty(started);
        // A GGUF run loads no libtorch (GgufProcessLibraryTests), so llama.cpp's own libgomp is the only one, started as asked.
        Assert.DoesNotContain("cannot take effect", err);
        Assert.Equal(["active"], started);
    }

    [SkippableFact]
    public void InfoNamesTheWaitLibgompStartedWith()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libgomp and OMP_DISPLAY_ENV are Linux's here");
        var (code, stdout, err) = SlotProcess.Run(new Dictionary<string, string> { ["OMP_DISPLAY_ENV"] = "VERBOSE" }, "info");
        Assert.True(code == 0, err);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("llama.cpp OpenMP wait: ", StringComparison.Ordinal));
        var wait = line["llama.cpp OpenMP wait: ".Length..].Split(' ')[0];
        var started = Regex.Matches(err, @"OMP_WAIT_POLICY = '(\w+)'").Select(m => m.Groups[1].Value.ToLowerInvariant()).ToList();
        Assert.Contains(wait, started);
    }
}
