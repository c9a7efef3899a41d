namespace SlotSharp.Tokenization;

/// <summary>
/// What the rest of SlotSharp needs from a tokenizer. Implementations reproduce Hugging Face's
/// tokenizer.json semantics exactly; the choice of library stays behind this interface.
/// </summary>
public interface ITokenizer
{
    /// <summary>Encode text; <paramref name="addSpecialTokens"/> applies the post-processor (e.g. Llama's BOS).</summary>
    int[] Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decode ids to text (HF decode semantics, including clean_up_tokenization_spaces from the config).</summary>
    // RS0027 wants the optional parameter on the longest overload; the three-argument one deliberately has none, so
    // Decode(ids, skip) keeps meaning "the config's clean-up" (transformers' decode) instead of a default that hides it.
#pragma warning disable RS0027
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false);
#pragma warning restore RS0027

    /// <summary>Decode with an explicit clean_up_tokenization_spaces instead of the config's value.</summary>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens, bool cleanUpTokenizationSpaces);

    /// <summary>The config's clean_up_tokenization_spaces (what the two-argument Decode applies).</summary>
    bool CleanUpTokenizationSpaces { get; }

    /// <summary>Token string for an id (e.g. "Ġthe"), or null if out of range.</summary>
    string? IdToToken(int id);

    /// <summary>Id of a token string (vocab or added token), or null.</summary>
    int? TokenToId(string token);

    /// <summary>True for added tokens marked special (skipped by skipSpecialTokens).</summary>
    bool IsSpecial(int id);

    /// <summary>Vocabulary size including added tokens.</summary>
    int VocabSize { get; }
}
