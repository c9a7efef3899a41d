using SlotSharp.Chat;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// An engine that "generates" fixed ids with a real tokenizer (Qwen2.5's), so the client's detokenizing, stop
/// sequences and finish reasons can be checked against hand-written text without a model.
/// </summary>
internal sealed class FakeChatGenerator(ITokenizer tokenizer, int[] script, bool endsAtStopId = false) : IChatGenerator
{
    public string ModelId => "fake-model";
    /// <summary>ChatML, which renders no tools: the scripted tests never render a prompt.</summary>
    public ChatTemplate Template { get; } = ChatTemplate.Parse(ChatTemplate.FallbackChatMLSource);
    public ITokenizer Tokenizer => tokenizer;
    public double DefaultRepetitionPenalty => 1.0;
    public ChatGenerationRequest? LastRequest { get; private set; }

    public Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        LastRequest = request;
        var generated = new List<int>();
        foreach (var id in script.Take(request.Generation.MaxNewTokens))
        {
            if (cancel.IsCancellationRequested) break;
            onToken(id);
            generated.Add(id);
        }
        bool stopped = endsAtStopId && generated.Count == script.Length;
        return Task.FromResult(new ChatGenerationResult([1, 2, 3], generated.ToArray(), stopped));
    }
}
