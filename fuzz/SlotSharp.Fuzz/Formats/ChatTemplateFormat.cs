using System.Text;
using System.Text.Json;
using CsCheck;
using SlotSharp.Chat;
using SlotSharp.Fuzz.Mutation;
using SlotSharp.Fuzz.Seeds;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// Chat templates (Jinja) through ChatTemplate.Parse and a render of a small conversation, with the default
/// sandbox limits. Seeds: the shared chat_template.jinja files, the templates inside the shared
/// tokenizer_config.json files, and the ChatML fallback.
/// </summary>
public sealed class ChatTemplateFormat(SharedSeeds shared) : FuzzFormat
{
    static readonly ChatMessage[] Conversation =
    [
        ChatMessage.System("You are a helpful assistant."), ChatMessage.User("What is 2+2?"),
        ChatMessage.Assistant("<think>\nadd\n</think>\n4"), ChatMessage.User("And 3+3?"),
    ];

    public override string Name => "chat-template";
    public override string Extension => ".jinja";
    public override IReadOnlyList<byte[]> Seeds { get; } = [.. SeedTemplates(shared).Select(Encoding.UTF8.GetBytes)];

    public override void Run(byte[] input, string scratch)
    {
        var template = ChatTemplate.Parse(Encoding.UTF8.GetString(input));
        template.Render(Conversation, addGenerationPrompt: true,
            new Dictionary<string, object?> { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["enable_thinking"] = false });
    }

    protected override Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) => Gen.Frequency(
        (1, Gen.OneOf([.. seeds])),
        (3, ByteMutations.Mutate(seeds)),
        (6, TemplateMutations.Mutate([.. seeds.Select(Encoding.UTF8.GetString)])));

    static List<string> SeedTemplates(SharedSeeds shared)
    {
        var seeds = new List<string> { ChatTemplate.FallbackChatMLSource };
        foreach (var dir in Directory.GetDirectories(shared.PathOf("tokenizers")).Order(StringComparer.Ordinal))
        {
            var jinja = Path.Combine(dir, "chat_template.jinja");
            if (File.Exists(jinja)) seeds.Add(File.ReadAllText(jinja));
            var config = Path.Combine(dir, "tokenizer_config.json");
            if (!File.Exists(config)) continue;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
            if (doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String) seeds.Add(t.GetString()!);
        }
        return seeds;
    }
}
