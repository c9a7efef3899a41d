using SlotSharp.Slot;

namespace SlotSharp.Extensions.AI;

/// <summary>Defaults of a <see cref="SlotChatClient"/> for what a request's ChatOptions leave unset.</summary>
public sealed record SlotChatClientOptions
{
    /// <summary>Tokens generated when ChatOptions.MaxOutputTokens is unset (the CLI's and server's default).</summary>
    public int MaxOutputTokens { get; init; } = 128;

    /// <summary>SLOT settings when the request names none (default: times 5, lr 0.1, AdamW, as the CLI).</summary>
    public SlotOptions Slot { get; init; } = new();

    /// <summary>Lets prompt plus output run past the model's trained context (the request key "allow_long_context" overrides).</summary>
    public bool AllowLongContext { get; init; }
}
