using System.Diagnostics;

namespace SlotSharp.Tests;

/// <summary>Runs the `slot` CLI as a child process (its environment and console cannot leak into other tests).</summary>
public static class SlotProcess
{
    static readonly string[] IsolatedVariables = ["HF_TOKEN", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "HF_TOKEN_PATH", "times", "lr", "CHOT_STEPS", "CHOT_LR",
        .. SlotSharp.Runtime.OpenMpWaitPolicy.UserVariables];

    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        RunAssembly("slot.dll", env, args);

    /// <summary>Runs another program of the test output folder (e.g. the fuzz harness, SlotSharp.Fuzz.dll) the same way.</summary>
    public static (int Code, string Out, string Err) RunAssembly(string assembly, IReadOnlyDictionary<string, string>? env, params string[] args) =>
        RunAssembly(assembly, env, stdin: null, args);

    /// <summary>Runs `slot` with <paramref name="stdin"/> as its whole standard input (then closed: end of input).</summary>
    public static (int Code, string Out, string Err) RunWithInput(string stdin, IReadOnlyDictionary<string, string>? env, params string[] args) =>
        RunAssembly("slot.dll", env, stdin, args);

    static (int Code, string Out, string Err) RunAssembly(string assembly, IReadOnlyDictionary<string, string>? env, string? stdin, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null };
        if (stdin != null) start.StandardInputEncoding = new System.Text.UTF8Encoding(false); // a BOM would open the first line
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var name in IsolatedVariables) start.Environment.Remove(name);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);
}
