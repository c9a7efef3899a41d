using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SlotSharp.Tests.Cli;

/// <summary>The real `slot serve` in a child process on a free port, as a service manager runs it; killed on dispose if still running.</summary>
internal sealed partial class ServeProcess : IDisposable
{
    [GeneratedRegex(@"serving \S+ on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingLine();

    readonly StringBuilder _stderr = new();

    public Process Process { get; }
    public Uri Url { get; private set; } = null!;

    ServeProcess(Process process) => Process = process;

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Starts `slot serve --model MODEL --port 0 ARGS` and waits for its "serving ... on URL" line.</summary>
    public static async Task<ServeProcess> Start(string model, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "slot.dll"), "serve", "--model", model, "--port", "0" }.Concat(args))
            start.ArgumentList.Add(a);
        var server = new ServeProcess(Process.Start(start)!);
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) { url.TrySetException(new InvalidOperationException($"slot serve ended before serving:\n{server.Stderr}")); return; }
            lock (server._stderr) server._stderr.AppendLine(e.Data);
            if (ServingLine().Match(e.Data) is { Success: true } m) url.TrySetResult(m.Groups[1].Value);
        };
        server.Process.BeginErrorReadLine();
        _ = server.Process.StandardOutput.ReadToEndAsync();
        try { server.Url = new Uri(await url.Task.WaitAsync(TimeSpan.FromMinutes(2))); }
        catch { server.Dispose(); throw; }
        return server;
    }

    /// <summary>Resident memory of the process (Linux /proc), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS line");
    }

    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
