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

    /// <summary>
    /// The default <see cref="MaxTokenId"/>: 2^22, 16 times the largest vocabularies in use (262,144 entries), so the
    /// id-to-token table stays under 40 MB even for a file that uses it.
    /// </summary>
    public const int DefaultMaxTokenId = 1 << 22;

    /// <summary>
    /// Vocab ids of tokenizer.json must lie in [0, MaxTokenId). The id-to-token table is sized by the largest id, so
    /// without a bound one hostile id (2147483647, or 978309063: 8.8 GB) overflows or exhausts memory at load.
    /// </summary>
    public int MaxTokenId { get; init; } = DefaultMaxTokenId;

    public static TokenizerOptions Default { get; } = new();
}
