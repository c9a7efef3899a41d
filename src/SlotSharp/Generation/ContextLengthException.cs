namespace SlotSharp.Generation;

/// <summary>
/// The prompt plus max_new_tokens would run past the positions the model was trained for (config.json's
/// max_position_embeddings). A subtype so that front ends can add how their users allow it (a flag, a JSON field).
/// </summary>
public sealed class ContextLengthException(int promptLength, long maxNewTokens, int maxPositions)
    : SlotSharpException($"the prompt ({promptLength} tokens) plus max_new_tokens ({maxNewTokens}) is {promptLength + maxNewTokens} positions, " +
        $"past the model's max_position_embeddings ({maxPositions}): shorten the prompt or max_new_tokens, " +
        "or allow long context to generate past the trained length")
{
    public int PromptLength { get; } = promptLength;
    public long MaxNewTokens { get; } = maxNewTokens;
    public int MaxPositions { get; } = maxPositions;
}
