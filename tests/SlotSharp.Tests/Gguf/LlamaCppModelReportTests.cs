using LLama.Native;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// What a llama.cpp model reports of itself (issue 19, defect 8): a local .gguf file is named after the file, not its
/// folder; the context a request may use is the one llama.cpp allocated when smaller than the trained one; and
/// llama.cpp's own log lines stay off stderr unless --verbose.
/// </summary>
public sealed class LlamaCppModelReportTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    static readonly ModelLoadOptions Small = new() { LlamaCpp = new LlamaCppOptions { ContextSize = 256, MaxSequences = 1, Threads = 2 } };

    [SkippableFact]
    public void LocalGgufFileIsNamedAfterTheFileAndReportsTheAllocatedContext()
    {
        var gguf = models.F32("tiny-qwen2");
        using var model = ModelLoader.Load(gguf, Small);
        Assert.Equal("tiny-qwen2.f32", model.ModelId);
        Assert.True(model.Backend.MaxPositions > 256, $"trained context {model.Backend.MaxPositions}");
        Assert.Equal(256, model.ContextLength);
    }

    [SkippableFact]
    public void ContextCheckUsesTheAllocatedContextWhenSmaller()
    {
        var gguf = models.F32("tiny-qwen2");
        using var model = ModelLoader.Load(gguf, Small);
        var e = Assert.Throws<ContextLengthException>(() => model.CheckPrompt([1, 2, 3], new GenerationOptions { MaxNewTokens = 300 }));
        Assert.Contains("256", e.Message);
    }

    [SkippableTheory]
    [InlineData(LLamaLogLevel.Warning)]
    [InlineData(LLamaLogLevel.Error)]
    public void LlamaCppLogLinesAreHiddenUnlessVerbose(LLamaLogLevel level)
    {
        const string message = "control-looking token: 128247 '</s>' was not control-type; this is probably a bug in the model\n";
        Assert.Null(LlamaCppRuntime.LineFor(level, message, verbose: false));
        Assert.Equal("llama.cpp: " + message, LlamaCppRuntime.LineFor(level, message, verbose: true));
        Assert.Null(LlamaCppRuntime.LineFor(LLamaLogLevel.Info, message, verbose: true));
    }
}
