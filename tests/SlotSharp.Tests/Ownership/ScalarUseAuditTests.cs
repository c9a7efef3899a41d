namespace SlotSharp.Tests.Ownership;

/// <summary>
/// The library never hands libtorch a Scalar that only the native call references (see ScalarUseAudit): RmsNorm did so
/// twice, square() (TorchSharp's pow(2)) and `variance + eps` (add(scalar) -> add(scalar, 1)), and failed once in 495
/// served requests.
/// </summary>
public class ScalarUseAuditTests
{
    [SkippableFact]
    public void LibraryHoldsEveryScalarItPassesToLibtorch()
    {
        // Every assembly that calls libtorch, compiled together as the single assembly they were split from.
        var findings = ScalarUseAudit.Run([.. new[] { "SlotSharp", "SlotSharp.TorchSharp", "SlotSharp.LlamaCpp", "SlotSharp.Evaluation" }
            .Select(project => Path.Combine(RepoRoot(), "src", project))]);
        Assert.True(findings.Count == 0, $"{findings.Count} unheld Scalar(s):\n" + string.Join("\n", findings));
    }

    [SkippableFact]
    public void AuditFindsEachKindOfUnheldScalar()
    {
        var folder = Directory.CreateTempSubdirectory("scalar-audit-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "Bad.cs"), """
                using TorchSharp;
                using static TorchSharp.torch;
                static class Bad
                {
                    static readonly Scalar Held = 2.0.ToScalar();
                    static Tensor Implicit(Tensor x) => x.mul(0.5);
                    static Tensor Operator(Tensor x) => x * 0.5;
                    static Tensor Inline(Tensor x) => x.mul(0.5.ToScalar());
                    static Tensor HiddenAlpha(Tensor x, Tensor y) => x + y;
                    static Tensor HiddenStep() => arange(Held, Held);
                    static Tensor HiddenPow(Tensor x) => x.square();
                    static Tensor Fine(Tensor x, Tensor y)
                    {
                        using var half = 0.5.ToScalar();
                        return x.mul(half).add(y, Held).mul(Held);
                    }
                }
                """);
            var findings = ScalarUseAudit.Run(folder.FullName);
            Assert.Equal([6, 7, 8, 9, 10, 11], findings.Select(f => int.Parse(f.Split(':')[1])).Distinct().Order());
        }
        finally { folder.Delete(recursive: true); }
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SlotSharp.slnx"))) return dir.FullName;
        throw new InvalidOperationException("SlotSharp.slnx not found above the test binaries");
    }
}
