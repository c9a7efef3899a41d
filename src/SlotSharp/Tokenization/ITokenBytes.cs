namespace SlotSharp.Tokenization;

/// <summary>
/// The exact bytes each token adds to the decoded text, which constrained decoding matches against its grammar.
/// Special and control tokens have none (null): a grammar never produces them.
/// </summary>
internal interface ITokenBytes
{
    /// <summary>Ids 0 .. this - 1 are asked for.</summary>
    int TokenBytesCount { get; }

    byte[]? TokenBytes(int id);
}
