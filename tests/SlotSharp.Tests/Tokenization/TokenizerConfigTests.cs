using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

/// <summary>Expected values are the fields of the shared tokenizer_config.json files (see shared README).</summary>
public class TokenizerConfigTests
{
    [SkippableFact]
    public void Qwen25()
    {
        var dir = SharedAssets.Require("tokenizers", "qwen2.5");
        var tok = TokenizerLoader.LoadFolder(dir);
        var c = tok.Config;
        Assert.Null(c.BosToken);
        Assert.Equal("<|im_end|>", c.EosToken);
        Assert.Equal("<|endoftext|>", c.PadToken);
        Assert.False(c.AddBosToken);
        Assert.Equal(131072, c.ModelMaxLength);
        Assert.False(c.CleanUpTokenizationSpaces);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "chat_template.jinja")), c.ChatTemplate);
        Assert.Equal(151665, tok.VocabSize);
        Assert.Equal(151645, tok.TokenToId("<|im_end|>"));
        Assert.True(tok.IsSpecial(151645));
        Assert.False(tok.IsSpecial(151657)); // <tool_call> is an added token but not special
        Assert.Equal("Ġworld", tok.IdToToken(1879));
        Assert.Null(tok.IdToToken(200000));
    }

    [SkippableFact]
    public void Llama3()
    {
        var tok = TokenizerLoader.LoadFolder(SharedAssets.Require("tokenizers", "llama3"));
        var c = tok.Config;
        Assert.Equal("<|begin_of_text|>", c.BosToken);
        Assert.Equal("<|eot_id|>", c.EosToken);
        Assert.Null(c.PadToken);
        Assert.Null(c.AddBosToken);
        Assert.Null(c.ModelMaxLength); // 1e30: transformers' "no limit" sentinel
        Assert.True(c.CleanUpTokenizationSpaces);
        Assert.StartsWith("{% set loop_messages = messages %}", c.ChatTemplate);
        Assert.Equal(128256, tok.VocabSize);
    }

    [SkippableFact]
    public void Stories260K()
    {
        var c = TokenizerLoader.LoadFolder(SharedAssets.Require("models", "stories260K")).Config;
        Assert.Equal("<s>", c.BosToken);
        Assert.Equal("</s>", c.EosToken);
        Assert.Equal("<unk>", c.UnkToken);
        Assert.True(c.AddBosToken);
        Assert.Equal(512, c.ModelMaxLength);
        Assert.Null(c.ChatTemplate);
    }

    [SkippableFact]
    public void SpecialTokensGivenAsAddedTokenObjects()
    {
        var path = SharedAssets.Require("tokenizers", "deepseek-r1-distill-qwen", "tokenizer_config.json");
        var c = TokenizerConfig.Parse(File.ReadAllText(path), path);
        Assert.Equal("<｜begin▁of▁sentence｜>", c.BosToken);
        Assert.Equal("<｜end▁of▁sentence｜>", c.EosToken);
        Assert.Equal("<｜end▁of▁sentence｜>", c.PadToken);
        Assert.True(c.AddBosToken);
        Assert.Equal(16384, c.ModelMaxLength);
        Assert.Contains("<｜Assistant｜>", c.ChatTemplate);
    }

    [SkippableFact]
    public void ChatTemplateListExposesTheDefault()
    {
        var c = TokenizerConfig.Parse("""{"chat_template":[{"name":"tool_use","template":"T"},{"name":"default","template":"D"}]}""", "x.json");
        Assert.Equal("D", c.ChatTemplate);
        Assert.Equal("T", c.NamedChatTemplates["tool_use"]);
    }

    [SkippableFact]
    public void BadConfigNamesTheFile()
    {
        var e = Assert.Throws<SlotSharpException>(() => TokenizerConfig.Parse("{ not json", "/m/tokenizer_config.json"));
        Assert.Contains("/m/tokenizer_config.json", e.Message);
        e = Assert.Throws<SlotSharpException>(() => TokenizerConfig.Parse("""{"add_bos_token": "yes"}""", "/m/tokenizer_config.json"));
        Assert.Contains("add_bos_token", e.Message);
    }

    [SkippableFact]
    public void MissingTokenizerJsonNamesTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("slotsharp-tok-").FullName;
        try
        {
            var e = Assert.Throws<SlotSharpException>(() => TokenizerLoader.FromModelFolder(dir));
            Assert.Contains(Path.Combine(dir, "tokenizer.json"), e.Message);
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\"model\": ");
            e = Assert.Throws<SlotSharpException>(() => TokenizerLoader.FromModelFolder(dir));
            Assert.Contains("invalid JSON", e.Message);
            Assert.Throws<SlotSharpException>(() => TokenizerLoader.FromModelFolder(Path.Combine(dir, "nope")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
