using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// Issue 19, defect 8, end to end: `slot generate` on a GGUF file prints none of llama.cpp's own load lines (its model
/// loader, print_info, tensor and context reports go to stderr by default when nobody takes its log).
/// </summary>
public sealed class LlamaCppQuietLoadTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    [SkippableFact]
    public void GeneratingOnAGgufFilePrintsNoneOfLlamaCppsLoadLines()
    {
        var gguf = models.F32("tiny-qwen2");
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", gguf, "--prompt-ids", "9707,11,1879", "--times", "0",
            "--max-new-tokens", "2", "--context", "256", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("\"generated_ids\"", stdout);
        foreach (var native in new[] { "llama_model_loader", "print_info", "load_tensors", "llama_context", "llama_kv_cache" })
            Assert.DoesNotContain(native, stderr);
    }
}
