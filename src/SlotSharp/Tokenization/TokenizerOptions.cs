namespace SlotSharp.Tokenization;

/// <summary>Load-time settings of a tokenizer (documented in docs/tokenizers.md).</summary>
public sealed record TokenizerOptions
{
    /// <summary>
    /// The default <see cref="RegexMatchTimeout"/>. One match of the Qwen2/Llama-3 split patterns over a 10 M-char
    /// whitespace run takes about 3 s on a busy 2-core machine (their \s+(?!\S) backtracks over the run), so real
    /// inputs stay far below it, while a catastrophically backtracking pattern fails instead of hanging.
    /// </summary>
    public static readonly TimeSpan DefaultRegexMatchTimeout = TimeSpan.FromMilliseconds(KnownPatterns.TimeoutMs);

    /// <summary>
    /// Longest time one regex match operation of tokenizer.json (Split pre-tokenizer, Replace normalizer or
    /// decoder) may take; .NET applies it to each match, not to a whole input.
    /// </summary>
    public TimeSpan RegexMatchTimeout { get; init; } = DefaultRegexMatchTimeout;

    public static TokenizerOptions Default { get; } = new();
}
