using SlotSharp.Chat;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;
using SlotSharp.Tests.Chat;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// A GGUF-only model renders the chat template stored in the file (tokenizer.chat_template, written by `slot convert`)
/// exactly as transformers renders the original; Hugging Face files beside the .gguf take precedence.
/// </summary>
public class GgufChatTemplateTests : IClassFixture<ConvertedModels>
{
    readonly ConvertedModels _models;
    public GgufChatTemplateTests(ConvertedModels models) => _models = models;

    [SkippableFact]
    public void Qwen25GoldenChatsRenderFromTheGgufTemplate()
    {
        var cases = GoldenChatCase.Load("qwen2.5");
        var gguf = _models.F32("tiny-qwen2"); // alone in its folder: no tokenizer_config.json beside it
        var template = GgufChatTemplate.Load(gguf);
        Assert.False(template.IsFallback);
        Assert.Equal(File.ReadAllText(SharedAssets.Require("tokenizers", "qwen2.5", "chat_template.jinja")), template.Source);
        using var tok = LlamaCppTokenizer.Load(gguf);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            // The special-token strings come from the GGUF: the golden's template_context must agree with them.
            foreach (var (name, value) in c.Context)
                if (!Equals(template.SpecialTokens.GetValueOrDefault(name), value)) failures.Add($"{c}: {name} {template.SpecialTokens.GetValueOrDefault(name)} != {value}");
            var messages = c.Messages.EnumerateArray().Select(ChatMessage.FromJson).ToList();
            var tools = c.Tools?.EnumerateArray().Select(t => TemplateValues.FromJson(t)).ToList();
            var rendered = template.Render(messages, c.AddGenerationPrompt, tools: tools);
            if (rendered != c.Rendered) failures.Add($"{c}: rendered differs");
            else if (c.Ids != null && !tok.Encode(rendered, addSpecialTokens: false).SequenceEqual(c.Ids)) failures.Add($"{c}: ids differ");
        }
        Assert.Equal(14, cases.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void HuggingFaceFilesBesideTheGgufWin()
    {
        var folder = SharedAssets.Require("models", "tiny-qwen2");
        using var dir = new TempFolder();
        var gguf = Path.Combine(dir.Path, "model.gguf");
        File.CreateSymbolicLink(gguf, _models.F32("tiny-qwen2"));
        Assert.IsType<LlamaCppTokenizer>(GgufTokenizerLoader.Load(gguf));
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(folder, name), Path.Combine(dir.Path, name));
        File.AppendAllText(Path.Combine(dir.Path, "chat_template.jinja"), "beside {{ eos_token }}");

        Assert.IsType<HfTokenizer>(GgufTokenizerLoader.Load(gguf));
        var template = GgufChatTemplate.Load(gguf);
        Assert.Equal("beside <|im_end|>", template.Render([], addGenerationPrompt: false));
    }

    [SkippableFact]
    public void GgufWithoutTemplateFallsBackToChatML()
    {
        // stories260K's tokenizer_config.json has no chat_template, so its GGUF has none either.
        var template = GgufChatTemplate.Load(_models.F32("stories260K"));
        Assert.True(template.IsFallback);
        Assert.Equal(ChatTemplate.FallbackChatMLSource, template.Source);
        Assert.NotNull(template.Warning);
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("slotsharp-ggtok-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
