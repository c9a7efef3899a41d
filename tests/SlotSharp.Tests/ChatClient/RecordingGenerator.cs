using SlotSharp.Chat;
using SlotSharp.Extensions.AI.Engine;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.ChatClients;

/// <summary>
/// Wraps a real engine: records the prompt ids it rendered and counts the tokens it generated, and can cancel a
/// token source once a given number of tokens came out (a deterministic "user pressed stop" mid-decode).
/// </summary>
internal sealed class RecordingGenerator(IChatGenerator inner) : IChatGenerator
{
    int _tokens;

    public string ModelId => inner.ModelId;
    public ChatTemplate Template => inner.Template;
    public ITokenizer Tokenizer => inner.Tokenizer;
    public double DefaultRepetitionPenalty => inner.DefaultRepetitionPenalty;
    public int[]? LastPromptIds { get; private set; }
    public int Tokens => _tokens;
    public (CancellationTokenSource Source, int AfterTokens)? CancelAfter { get; set; }

    public async Task<ChatGenerationResult> GenerateAsync(ChatGenerationRequest request, Action<int> onToken, CancellationToken cancel)
    {
        _tokens = 0;
        var result = await inner.GenerateAsync(request, id =>
        {
            onToken(id);
            if (Interlocked.Increment(ref _tokens) == CancelAfter?.AfterTokens) CancelAfter.Value.Source.Cancel();
        }, cancel);
        LastPromptIds = result.PromptIds;
        return result;
    }
}
