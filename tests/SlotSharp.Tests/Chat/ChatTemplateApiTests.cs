using System.Text.Json;
using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>Model-folder loading, special tokens, fallback, clock injection and the JSON value helper.</summary>
public sealed class ChatTemplateApiTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-chat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableTheory]
    [InlineData("qwen2.5")]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    [InlineData("deepseek-r1-distill-qwen")]
    public void ModelFolderGivesTheGoldenSpecialTokensAndTemplate(string folder)
    {
        var template = ChatTemplate.FromModelFolder(SharedAssets.Require("tokenizers", folder));
        Assert.False(template.IsFallback);
        Assert.Null(template.Warning);
        // The goldens' template_context holds exactly the special tokens transformers passed.
        var golden = GoldenChatCase.Load(folder).First(c => c.Variant != "original");
        var expectedTokens = golden.Context.Where(kv => kv.Key.EndsWith("_token", StringComparison.Ordinal))
            .OrderBy(kv => kv.Key).ToList();
        Assert.Equal(expectedTokens, template.SpecialTokens.OrderBy(kv => kv.Key).ToList());
        Assert.Equal(golden.TemplateSource(), template.Source);
        // Rendering with no extra context reproduces the golden (special tokens come from the folder).
        var messages = golden.Messages.EnumerateArray().Select(ChatMessage.FromJson).ToList();
        var extra = golden.Context.Where(kv => !kv.Key.EndsWith("_token", StringComparison.Ordinal)).ToDictionary();
        var tools = golden.Tools?.EnumerateArray().Select(t => TemplateValues.FromJson(t)).ToList();
        Assert.Equal(golden.Rendered, template.Render(messages, golden.AddGenerationPrompt, extra, tools));
    }

    [SkippableFact]
    public void FolderWithoutTemplateFallsBackToChatMLWithAWarning()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"eos_token": "<|im_end|>"}""");
        var template = ChatTemplate.FromModelFolder(_dir);
        Assert.True(template.IsFallback);
        Assert.Contains("no chat template", template.Warning);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            template.Render([ChatMessage.User("hi")], addGenerationPrompt: true));
    }

    [SkippableFact]
    public void TemplateListPicksDefaultAndTokenObjectsGiveTheirContent()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """
            {"bos_token": {"__type": "AddedToken", "content": "<s>"}, "unk_token": null,
             "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}D"}]}
            """);
        var template = ChatTemplate.FromModelFolder(_dir);
        Assert.Equal("<s>D", template.Render([], false));
        Assert.False(template.SpecialTokens.ContainsKey("unk_token"));
    }

    [SkippableFact]
    public void TemplateListWithoutDefaultNamesTheChoices()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"chat_template": [{"name": "rag", "template": "R"}]}""");
        var e = Assert.Throws<SlotSharpException>(() => ChatTemplate.FromModelFolder(_dir));
        Assert.Contains("no 'default' entry (available: rag)", e.Message);
    }

    [SkippableFact]
    public void JinjaFileWinsOverTheConfigField()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"chat_template": "config"}""");
        File.WriteAllText(Path.Combine(_dir, "chat_template.jinja"), "file\n");
        Assert.Equal("file", ChatTemplate.FromModelFolder(_dir).Render([], false));
    }

    [SkippableFact]
    public void BrokenTemplateInAFolderNamesTheFile()
    {
        File.WriteAllText(Path.Combine(_dir, "chat_template.jinja"), "{% extends 'x' %}");
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromModelFolder(_dir));
        Assert.Contains("chat_template.jinja", e.Message);
        Assert.Contains("unsupported tag 'extends' at line 1, column 4", e.Message);
    }

    [SkippableFact]
    public void StrftimeNowUsesTheInjectedClock()
    {
        // The Llama 3.2 / 3.3 system header line.
        var template = ChatTemplate.Parse(
            "{%- if strftime_now is defined %}{%- set date_string = strftime_now(\"%d %b %Y\") %}{%- else %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}Today Date: {{ date_string }}",
            new ChatTemplateOptions { Clock = () => new DateTime(2025, 1, 9) });
        Assert.Equal("Today Date: 09 Jan 2025", template.Render([], false));
    }

    [SkippableFact]
    public void ExtraContextOverridesAndMessagesKeepExtraFields()
    {
        var template = ChatTemplate.Parse("{{ messages[0].reasoning_content }}|{{ enable_thinking }}|{{ tools[0].name }}|{{ documents }}");
        var message = new ChatMessage("assistant", "x") { Extra = new Dictionary<string, object?> { ["reasoning_content"] = "why" } };
        var output = template.Render([message], false, new Dictionary<string, object?> { ["enable_thinking"] = false },
            [new Dictionary<string, object?> { ["name"] = "t" }]);
        Assert.Equal("why|False|t|None", output);
    }

    [SkippableFact]
    public void JsonValuesKeepIntFloatDistinctionAndKeyOrder()
    {
        using var doc = JsonDocument.Parse("""{"z": 1, "a": 1.0, "m": [true, null, "é"]}""");
        var value = TemplateValues.FromJson(doc.RootElement);
        var output = ChatTemplate.Parse("{{ v }}|{{ v|tojson }}").Render([], false, new Dictionary<string, object?> { ["v"] = value });
        Assert.Equal("{'z': 1, 'a': 1.0, 'm': [True, None, 'é']}|{\"z\": 1, \"a\": 1.0, \"m\": [true, null, \"é\"]}", output);
    }

    [SkippableTheory]
    [InlineData("qwen2.5", "qwen2.5")]
    [InlineData("qwen3", "qwen3")]
    [InlineData("llama3", "llama3")]
    [InlineData("llama3.1", "llama3")]
    public void GoldenIdsMatchTokenizerEncoding(string folder, string tokenizerFolder)
    {
        // As the original SLOT code does: render, then encode with add_special_tokens=False.
        var cases = GoldenChatCase.Load(folder).Where(c => c.Ids != null).ToList();
        Assert.NotEmpty(cases);
        var tokenizer = SlotSharp.Tokenization.TokenizerLoader.FromModelFolder(SharedAssets.Require("tokenizers", tokenizerFolder));
        var template = ChatTemplate.Parse(cases[0].TemplateSource());
        foreach (var c in cases)
        {
            var rendered = c.Render(template);
            Assert.Equal(c.Rendered, rendered);
            Assert.Equal(c.Ids, tokenizer.Encode(rendered, addSpecialTokens: false));
        }
    }
}
