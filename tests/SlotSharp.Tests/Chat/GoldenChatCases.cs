using System.Text.Json;
using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>Loads shared/tokenizers/*/golden_chat.json cases (made with transformers.js + checked with Python Jinja2).</summary>
public sealed record GoldenChatCase(
    string Folder, string Name, string? Variant, JsonElement Messages, JsonElement? Tools, bool AddGenerationPrompt,
    Dictionary<string, object?> Context, string Rendered, int[]? Ids)
{
    public override string ToString() => $"{Folder}/{Name}{(Variant == null ? "" : $" [{Variant}]")}";

    public static List<GoldenChatCase> Load(string folder)
    {
        var path = SharedAssets.Require("tokenizers", folder, "golden_chat.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<GoldenChatCase>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var context = new Dictionary<string, object?>();
            foreach (var p in c.GetProperty("template_context").EnumerateObject()) context[p.Name] = TemplateValues.FromJson(p.Value);
            if (c.TryGetProperty("extra_context", out var extra))
                foreach (var p in extra.EnumerateObject()) context[p.Name] = TemplateValues.FromJson(p.Value);
            cases.Add(new GoldenChatCase(
                folder,
                c.GetProperty("name").GetString()!,
                c.TryGetProperty("template_variant", out var v) ? v.GetString() : null,
                c.GetProperty("messages").Clone(),
                c.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array ? tools.Clone() : null,
                c.GetProperty("add_generation_prompt").GetBoolean(),
                context,
                c.GetProperty("rendered").GetString()!,
                c.GetProperty("ids").ValueKind == JsonValueKind.Array
                    ? c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray() : null));
        }
        return cases;
    }

    /// <summary>The template text the golden was rendered with (deepseek has two revisions).</summary>
    public string TemplateSource()
    {
        var dir = SharedAssets.Require("tokenizers", Folder);
        var jinja = Path.Combine(dir, "chat_template.jinja");
        if (Variant != "original" && File.Exists(jinja)) return File.ReadAllText(jinja);
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "tokenizer_config.json")));
        return config.RootElement.GetProperty("chat_template").GetString()!;
    }

    public string Render(ChatTemplate template)
    {
        var messages = Messages.EnumerateArray().Select(ChatMessage.FromJson).ToList();
        var tools = Tools?.EnumerateArray().Select(t => TemplateValues.FromJson(t)).ToList();
        return template.Render(messages, AddGenerationPrompt, Context, tools);
    }
}
