using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Packaging;

/// <summary>
/// The product as users get it: every src project packed by `dotnet pack` into a local folder feed, the `slot` tool
/// installed from it (linux-x64 only, to stay fast), and a console app built against the packages alone (no
/// ProjectReference), both run on the shared tiny model and checked against its goldens. Restores see only the feed
/// and this machine's package cache (as a read-only fallback), so nothing is fetched from the network and nothing
/// stale is taken from the cache: the packages land in a temporary global folder.
/// </summary>
public sealed class PackageInstallTests : IDisposable
{
    static readonly string[] Packable =
    [
        "SlotSharp", "SlotSharp.TorchSharp", "SlotSharp.LlamaCpp", "SlotSharp.Evaluation", "SlotSharp.Server", "SlotSharp.Extensions.AI", "SlotSharp.Cli",
    ];

    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-pack-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); }
        catch (IOException) { } // a tool process still closing its files; the temp folder is the OS's to clean
    }

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "SlotSharp.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the tests do not run inside the repository");
    }

    static string PackageCache() => typeof(PackageInstallTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NuGetPackageRoot").Value!;

    static (int Code, string Out) Dotnet(string workingDir, IReadOnlyDictionary<string, string>? env, params string[] args) =>
        Run("dotnet", workingDir, env, args);

    static (int Code, string Out) Run(string program, string workingDir, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDir };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [SkippableFact]
    public void PackagesAndToolInstallFromALocalFeedAndRunTheTinyModel()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        var golden = Golden.Load("tiny-qwen2").Prompt("len8");
        int[] input = Golden.Ints(golden["input_ids"]);
        int[] expected = Golden.Ints(golden["generate"]!["greedy_times0"]);
        int maxNew = expected.Length;
        string repo = RepoRoot(), feed = Path.Combine(_dir, "feed");

        foreach (var project in Packable)
        {
            var (code, output) = Dotnet(repo, null, "pack", Path.Combine("src", project), "-c", "Release", "-o", feed, "-p:SlotToolRuntimes=linux-x64", "-p:SlotPackTool=true");
            Assert.True(code == 0, $"dotnet pack {project} failed:\n{output}");
        }
        // The core carries no native dependency: TorchSharp and LLamaSharp come only with their backend packages.
        var coreDependencies = NuspecDependencies(Path.Combine(feed, "SlotSharp.0.1.0.nupkg"));
        Assert.DoesNotContain(coreDependencies, d => d.StartsWith("TorchSharp", StringComparison.Ordinal) || d.StartsWith("LLamaSharp", StringComparison.Ordinal));
        Assert.Contains("TorchSharp-cpu", NuspecDependencies(Path.Combine(feed, "SlotSharp.TorchSharp.0.1.0.nupkg")));
        Assert.Contains("README.md", NupkgEntries(Path.Combine(feed, "SlotSharp.0.1.0.nupkg")));

        File.WriteAllText(Path.Combine(_dir, "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="feed" value="{feed}" /></packageSources>
              <fallbackPackageFolders><clear /><add key="cache" value="{PackageCache()}" /></fallbackPackageFolders>
              <config><add key="globalPackagesFolder" value="{Path.Combine(_dir, "packages")}" /></config>
            </configuration>
            """);

        // The tool.
        var tools = Path.Combine(_dir, "tools");
        var install = Dotnet(_dir, null, "tool", "install", "SlotSharp.Cli", "--version", "0.1.0", "--tool-path", tools,
            "--configfile", Path.Combine(_dir, "NuGet.Config"));
        Assert.True(install.Code == 0, $"dotnet tool install failed:\n{install.Out}");
        var generate = Run(Path.Combine(tools, "slot"), _dir, null, "generate", "--model", model, "--prompt-ids", string.Join(",", input),
            "--times", "0", "--max-new-tokens", maxNew.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.True(generate.Code == 0, $"slot generate failed:\n{generate.Out}");
        var json = JsonNode.Parse(generate.Out[generate.Out.IndexOf('{', StringComparison.Ordinal)..])!;
        Assert.Equal(expected, Golden.Ints(json["generated_ids"])); // the golden's stop ids are the model's eos ids

        // A console app on the packages alone.
        var app = Directory.CreateDirectory(Path.Combine(_dir, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SlotSharp.TorchSharp" Version="0.1.0" />
                <PackageReference Include="SlotSharp.Extensions.AI" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using SlotSharp;
            using SlotSharp.Engine;
            using SlotSharp.Generation;

            using var model = SlotModel.Load(args[0], new ModelLoadOptions { DType = "fp32" });
            using var engine = new SlotEngine(model);
            var ids = args[1].Split(',').Select(int.Parse).ToArray();
            var request = new RequestBuilder(model).Build(PromptInput.FromIds(ids), new GenerationOptions { MaxNewTokens = int.Parse(args[2]) }, ignoreEos: true);
            var result = engine.Generate(request).ThrowIfFailed();
            Console.WriteLine(string.Join(",", result.GeneratedIds));
            """);
        var run = Dotnet(app, null, "run", "-c", "Release", "--", model, string.Join(",", input), maxNew.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(run.Code == 0, $"the console app failed:\n{run.Out}");
        var lastLine = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Assert.Equal(string.Join(",", expected), lastLine);
    }

    static List<string> NupkgEntries(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    static List<string> NuspecDependencies(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var reader = new StreamReader(nuspec.Open());
        var xml = System.Xml.Linq.XDocument.Parse(reader.ReadToEnd());
        return [.. xml.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!)];
    }
}
