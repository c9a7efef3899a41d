namespace SlotSharp.Tokenization;

/// <summary>
/// Hugging Face tokenizer.json pipeline: added tokens are split out first, then each remaining piece is
/// normalized, pre-tokenized and BPE-encoded; the post-processor adds special tokens. Decoding runs the
/// decoder chain and, when the config asks for it, Python transformers' clean_up_tokenization.
/// </summary>
internal sealed class HfTokenizer : ITokenizer, ITokenBytes
{
    readonly BpeModel _model;
    readonly INormalizer? _normalizer;
    readonly IPreTokenizer? _preTokenizer;
    readonly IPostProcessor _postProcessor;
    readonly IDecoder? _decoder;
    readonly AddedTokenMatcher _rawMatcher;        // added tokens with normalized=false: matched on the input
    readonly AddedTokenMatcher _normalizedMatcher; // normalized=true: matched on normalized text
    readonly string?[] _idToToken;
    readonly Dictionary<string, int> _addedByContent;
    readonly bool[] _special;

    internal HfTokenizer(BpeModel model, IReadOnlyList<AddedToken> added, INormalizer? normalizer, IPreTokenizer? preTokenizer,
        IPostProcessor postProcessor, IDecoder? decoder, TokenizerConfig config)
    {
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _postProcessor = postProcessor;
        _decoder = decoder;
        Config = config;
        AddedTokens = added;
        _rawMatcher = new AddedTokenMatcher(added.Where(a => !a.Normalized).Select(a => (a, a.Content)));
        _normalizedMatcher = new AddedTokenMatcher(added.Where(a => a.Normalized).Select(a => (a, normalizer?.Normalize(a.Content) ?? a.Content)));
        _addedByContent = added.GroupBy(a => a.Content).ToDictionary(g => g.Key, g => g.First().Id);

        int maxId = Math.Max(model.Vocab.Count == 0 ? -1 : model.Vocab.Values.Max(), added.Count == 0 ? -1 : added.Max(a => a.Id));
        _idToToken = new string?[maxId + 1];
        foreach (var (token, id) in model.Vocab) _idToToken[id] = token;
        foreach (var a in added) _idToToken[a.Id] = a.Content; // added tokens win, as in HF id_to_token
        _special = new bool[maxId + 1];
        foreach (var a in added) if (a.Special) _special[a.Id] = true;
        VocabSize = _idToToken.Count(t => t != null);
    }

    public TokenizerConfig Config { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }
    public int VocabSize { get; }
    public bool CleanUpTokenizationSpaces => Config.CleanUpTokenizationSpaces;

    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ReplaceLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var parts = new List<(int Start, int Length, AddedToken? Token)>();
        _rawMatcher.Split(text, parts);
        foreach (var (start, length, token) in parts)
        {
            if (token != null) ids.Add(token.Id);
            else if (length > 0) EncodePlain(length == text.Length ? text : text.Substring(start, length), start == 0, ids);
        }
        return _postProcessor.Process(ids, addSpecialTokens);
    }

    void EncodePlain(string text, bool atStart, List<int> ids)
    {
        var normalized = _normalizer?.Normalize(text) ?? text;
        if (_normalizedMatcher.IsEmpty)
        {
            EncodePiece(Piece.Whole(normalized, atStart), ids);
            return;
        }
        var parts = new List<(int Start, int Length, AddedToken? Token)>();
        _normalizedMatcher.Split(normalized, parts);
        foreach (var (start, length, token) in parts)
        {
            if (token != null) ids.Add(token.Id);
            else if (length > 0) EncodePiece(new Piece(normalized, start, length, atStart && start == 0), ids);
        }
    }

    [ThreadStatic] static List<Piece>? t_pieces;

    void EncodePiece(Piece piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (_preTokenizer == null)
        {
            _model.EncodeWord(piece.Span, ids);
            return;
        }
        var pieces = t_pieces ??= new List<Piece>();
        pieces.Clear();
        _preTokenizer.Split(piece, pieces);
        foreach (var p in pieces) _model.EncodeWord(p.Span, ids);
        pieces.Clear();
    }

    /// <summary>Rust strings cannot hold lone surrogates; UTF-8 conversion turns them into U+FFFD.</summary>
    static string ReplaceLoneSurrogates(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false) =>
        Decode(ids, skipSpecialTokens, CleanUpTokenizationSpaces);

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens, bool cleanUpTokenizationSpaces)
    {
        var tokens = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            // Unknown ids are skipped, as HF does.
            if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is not { } token) continue;
            if (skipSpecialTokens && _special[id]) continue;
            tokens.Add(token);
        }
        var text = _decoder == null ? string.Join(" ", tokens) : string.Concat(_decoder.DecodeChain(tokens));
        return cleanUpTokenizationSpaces ? CleanUp.Apply(text) : text;
    }

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var a) ? a : _model.Vocab.TryGetValue(token, out var id) ? id : null;

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    public int TokenBytesCount => _idToToken.Length;

    /// <summary>
    /// What the token adds to decoded text: byte-level vocabularies map each character back to its byte; otherwise
    /// (SentencePiece-style) a &lt;0xNN&gt; token is that byte and "▁" is a space. Special tokens have none. The
    /// Metaspace decoder's dropped leading space is not modelled: it only removes a space at the very start.
    /// </summary>
    public byte[]? TokenBytes(int id)
    {
        if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is not { } token || _special[id]) return null;
        if (_addedByContent.TryGetValue(token, out var added) && added == id) return System.Text.Encoding.UTF8.GetBytes(token);
        if (IsByteLevel(_decoder))
        {
            var bytes = new List<byte>(token.Length);
            ByteLevelAlphabet.AppendTokenBytes(token, bytes);
            return [.. bytes];
        }
        if (ByteFallbackDecoder.TryParseByte(token, out var b)) return [b];
        return System.Text.Encoding.UTF8.GetBytes(token.Replace('\u2581', ' '));
    }

    static bool IsByteLevel(IDecoder? decoder) => decoder switch
    {
        ByteLevelDecoder => true,
        SequenceDecoder s => s.Steps.Any(IsByteLevel),
        _ => false,
    };
}

/// <summary>Python transformers' clean_up_tokenization (applied when clean_up_tokenization_spaces is true).</summary>
internal static class CleanUp
{
    static readonly string[] Patterns = [" .", " ?", " !", " ,", " ' ", " n't", " 'm", " 's", " 've", " 're"];

    /// <summary>True when text is a proper prefix of a clean-up pattern (more characters could complete it).</summary>
    public static bool IsUnfinishedPattern(ReadOnlySpan<char> text)
    {
        foreach (var p in Patterns)
            if (p.Length > text.Length && p.AsSpan().StartsWith(text, StringComparison.Ordinal)) return true;
        return false;
    }

    public static string Apply(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
}
