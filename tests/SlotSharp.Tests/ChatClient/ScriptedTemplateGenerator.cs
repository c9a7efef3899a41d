using SlotSharp.Chat;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// An engine whose answers are fixed texts, one per request in turn (a random tiny model cannot be steered into a
/// well-formed tool call), and which renders each request with a real chat template and keeps the prompt text, so a
/// test can read what the model would have been shown.
/// </summary>
internal sealed class ScriptedTemplateGenerator(ITokenizer tokenizer, ChatTemplate template, params string[] replies) : IChatGenerator
{
    public string ModelId => "scripted-model";
    public ChatTemplate Template => template;
    public ITokenizer Tokenizer => tokenizer;
    public double DefaultRepetitionPenalty => 1.0;
    public List<string> Prompts { get; } = [];

    public Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        var prompt = template.Render(request.Messages, addGenerationPrompt: true, null, request.Tools, cancel);
        Prompts.Add(prompt);
        var ids = tokenizer.Encode(replies[Prompts.Count - 1], addSpecialTokens: false);
        foreach (var id in ids) onToken(id);
        return Task.FromResult(new ChatGenerationResult(tokenizer.Encode(prompt, addSpecialTokens: false), ids, StoppedAtStopId: true));
    }
}
