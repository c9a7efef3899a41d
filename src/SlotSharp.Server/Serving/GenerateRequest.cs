using System.Text.Json.Serialization;
using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>Body of POST /v1/generate. Exactly one of prompt, prompt_ids, messages.</summary>
internal sealed record GenerateRequest
{
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("prompt_ids")] public int[]? PromptIds { get; init; }
    /// <summary>Chat messages, rendered with the model's chat template (add_generation_prompt).</summary>
    [JsonPropertyName("messages")] public RequestMessage[]? Messages { get; init; }
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 128;
    [JsonPropertyName("temperature")] public double Temperature { get; init; }
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 1.0;
    [JsonPropertyName("top_k")] public int TopK { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Defaults to the model folder's generation_config.json value (as transformers does).</summary>
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; init; }
    /// <summary>SLOT steps; 0 = plain generation. Defaults to the server's --times.</summary>
    [JsonPropertyName("times")] public int? Times { get; init; }
    [JsonPropertyName("lr")] public double? Lr { get; init; }
    [JsonPropertyName("slot_optimizer")] public string? SlotOptimizer { get; init; }
    [JsonPropertyName("slot_impl")] public string? SlotImpl { get; init; }
    /// <summary>Generate past the model's max_position_embeddings. Defaults to the server's --allow-long-context.</summary>
    [JsonPropertyName("allow_long_context")] public bool? AllowLongContext { get; init; }

    /// <summary>Checks the request; the exception names the field at fault.</summary>
    public (GenerationOptions Generation, SlotOptions Slot) Resolve(SlotOptions serverDefaults, double defaultRepetitionPenalty = 1.0,
        bool allowLongContext = false)
    {
        int given = (Prompt != null ? 1 : 0) + (PromptIds != null ? 1 : 0) + (Messages != null ? 1 : 0);
        if (given != 1) throw new SlotSharpException("give exactly one of 'prompt', 'prompt_ids', 'messages'");
        if (PromptIds is { Length: 0 }) throw new SlotSharpException("'prompt_ids' is empty");
        if (Messages is { Length: 0 }) throw new SlotSharpException("'messages' is empty");
        // A JSON null entry deserializes to a null element, not to an empty message.
        if (Messages != null && Array.FindIndex(Messages, m => m is null || string.IsNullOrEmpty(m.Role) || m.Content == null) is >= 0 and var bad)
            throw new SlotSharpException($"'messages[{bad}]' needs 'role' and 'content' (every entry of 'messages' does)");
        var generation = new GenerationOptions
        {
            MaxNewTokens = MaxNewTokens, Temperature = Temperature, TopP = TopP, TopK = TopK, Seed = Seed,
            RepetitionPenalty = RepetitionPenalty ?? defaultRepetitionPenalty,
            AllowLongContext = AllowLongContext ?? allowLongContext,
        };
        generation.Validate(flag => $"'{flag.Replace('-', '_')}'"); // the JSON field names
        var slot = serverDefaults with
        {
            Times = Times ?? serverDefaults.Times,
            Lr = Lr ?? serverDefaults.Lr,
            Optimizer = SlotOptimizer switch
            {
                null => serverDefaults.Optimizer,
                "adamw" => SlotOptimizerKind.AdamW,
                "vllm" => SlotOptimizerKind.Vllm,
                _ => throw new SlotSharpException($"'slot_optimizer' must be adamw or vllm, got '{SlotOptimizer}'"),
            },
            Impl = SlotImpl switch
            {
                null => serverDefaults.Impl,
                "fast" => SlotImplKind.Fast,
                "reference" => SlotImplKind.Reference,
                _ => throw new SlotSharpException($"'slot_impl' must be fast or reference, got '{SlotImpl}'"),
            },
        };
        slot.Resolve(); // names 'times' / 'lr' when invalid
        return (generation, slot);
    }

    public IReadOnlyList<ChatMessage> ChatMessages() => Messages!.Select(m => new ChatMessage(m.Role!, m.Content)).ToList();
}

internal sealed record RequestMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
}
