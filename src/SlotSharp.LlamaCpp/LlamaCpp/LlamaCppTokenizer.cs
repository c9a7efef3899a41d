using System.Runtime.InteropServices;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using SlotSharp.Gguf;
using SlotSharp.Tokenization;

namespace SlotSharp.LlamaCpp;

/// <summary>
/// Tokenizes with a GGUF file's own vocabulary through llama.cpp, for models that come as a .gguf without a
/// tokenizer.json. The file is loaded vocabulary-only, so no weights are read. Token strings (IdToToken) are the GGUF's
/// tokenizer.ggml.tokens, spelled as in tokenizer.json ("Ġthe" for byte-level BPE, "▁the" for SentencePiece).
/// Special tokens are the GGUF's control and unknown tokens (tokenizer.ggml.token_type): the converter marks
/// tokenizer.json's special added tokens so, and also, as llama.cpp's converter does, any added token that looks like
/// one ("&lt;|...|&gt;").
/// </summary>
internal sealed class LlamaCppTokenizer : ITokenizer, ITokenBytes, IDisposable
{
    /// <summary>Piece buffer size that fits every token of common vocabularies; longer pieces grow it.</summary>
    const int InitialPieceBytes = 256;

    // llama.cpp token types (llama_token_type).
    const long UnknownType = 2, ControlType = 3;

    readonly LLamaWeights _weights;
    readonly SafeLlamaModelHandle.Vocabulary _vocab;
    readonly string[] _tokens;
    readonly Dictionary<string, int> _ids;
    readonly bool[] _special;
    readonly bool _stripLeadingSpace;

    LlamaCppTokenizer(LLamaWeights weights, string[] tokens, object[]? tokenTypes, bool addSpacePrefix)
    {
        _weights = weights;
        _vocab = weights.NativeHandle.Vocab;
        _tokens = tokens;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) _ids.TryAdd(tokens[i], i);
        _special = new bool[tokens.Length];
        // The file's types, not llama.cpp's attributes: llama.cpp also makes control tokens of vocabulary entries by
        // their text (e.g. Qwen's plain "</s>", 128247, for its end-of-generation list), which HF decodes as text.
        for (int i = 0; i < tokens.Length; i++)
            _special[i] = tokenTypes != null
                ? tokenTypes[i] is long t && t is UnknownType or ControlType
                : (((LLamaToken)i).GetAttributes(_vocab) & (LLamaTokenAttr.Control | LLamaTokenAttr.Unknown)) != 0;
        _stripLeadingSpace = addSpacePrefix;
    }

    /// <summary>Loads the vocabulary of <paramref name="ggufPath"/> (tokenizer.ggml.* keys) into llama.cpp.</summary>
    public static LlamaCppTokenizer Load(string ggufPath)
    {
        string[] tokens;
        bool? addSpacePrefix;
        object[]? tokenTypes;
        using (var file = GgufFile.Open(ggufPath))
        {
            GgufModelChecks.Check(file);
            tokens = GgufTokenizerMetadata.Tokens(file.Header)
                     ?? throw new SlotSharpException($"{ggufPath}: no tokenizer.ggml.tokens (the file carries no vocabulary)");
            tokenTypes = file.Header.Array("tokenizer.ggml.token_type");
            if (tokenTypes != null && tokenTypes.Length != tokens.Length)
                throw new SlotSharpException($"{ggufPath}: tokenizer.ggml.token_type has {tokenTypes.Length} entries for {tokens.Length} tokens");
            addSpacePrefix = file.Header.Metadata.TryGetValue("tokenizer.ggml.add_space_prefix", out var v) ? v as bool? : null;
        }
        LlamaCppRuntime.EnsureLoaded();
        LLamaWeights weights;
        try { weights = LLamaWeights.LoadFromFile(new ModelParams(ggufPath) { VocabOnly = true, GpuLayerCount = 0 }); }
        catch (Exception e) when (e is LoadWeightsFailedException or RuntimeError)
        {
            throw new SlotSharpException($"{ggufPath}: llama.cpp could not load the vocabulary ({e.Message})", e);
        }
        try
        {
            var vocab = weights.NativeHandle.Vocab;
            if (vocab.Count != tokens.Length)
                throw new SlotSharpException($"{ggufPath}: llama.cpp reads {vocab.Count} tokens but tokenizer.ggml.tokens has {tokens.Length}");
            // llama.cpp's default: SentencePiece vocabularies prepend a space when encoding, so decoding drops one
            // (HF's SentencePiece decoders strip it the same way).
            return new LlamaCppTokenizer(weights, tokens, tokenTypes, addSpacePrefix ?? vocab.Type == LLamaVocabType.SentencePiece);
        }
        catch { weights.Dispose(); throw; }
    }

    /// <summary>
    /// Special-token strings in the text become their ids (llama.cpp's parse_special, as HF splits on added tokens);
    /// <paramref name="addSpecialTokens"/> adds BOS/EOS where the GGUF's add_bos_token/add_eos_token ask for them.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = _weights.NativeHandle.Tokenize(text, addSpecialTokens, special: true, Encoding.UTF8);
        return Array.ConvertAll(tokens, t => (int)t);
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false) =>
        Decode(ids, skipSpecialTokens, CleanUpTokenizationSpaces);

    /// <summary>
    /// Concatenates the tokens' bytes and decodes them as UTF-8 once, so a character split across tokens comes out
    /// whole (invalid sequences become U+FFFD, as in HF). Ids outside the vocabulary are skipped, as HF does.
    /// </summary>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens, bool cleanUpTokenizationSpaces)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>(ids.Count * 4);
        var piece = new byte[InitialPieceBytes];
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length || (skipSpecialTokens && _special[id])) continue;
            int n = NativeApi.llama_token_to_piece(_vocab, id, piece, 0, special: true);
            if (n < 0)
            {
                // A negative length is the size the piece needs.
                piece = new byte[-n];
                n = NativeApi.llama_token_to_piece(_vocab, id, piece, 0, special: true);
            }
            bytes.AddRange(piece.AsSpan(0, n));
        }
        var text = Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes));
        if (_stripLeadingSpace && text.StartsWith(' ')) text = text[1..];
        return cleanUpTokenizationSpaces ? CleanUp.Apply(text) : text;
    }

    /// <summary>
    /// Always false: a GGUF does not record transformers' clean_up_tokenization_spaces (Llama 3 sets it; Qwen and
    /// SentencePiece models do not). The three-argument Decode applies it on request.
    /// </summary>
    public bool CleanUpTokenizationSpaces => false;

    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public int? TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : null;

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <summary>The GGUF's token count, which includes any padding rows up to the model's embedding size.</summary>
    public int VocabSize => _tokens.Length;

    public int TokenBytesCount => _tokens.Length;

    /// <summary>llama.cpp's piece of the token (what Decode concatenates); control and unknown tokens have none.</summary>
    public byte[]? TokenBytes(int id)
    {
        if ((uint)id >= (uint)_tokens.Length || _special[id]) return null;
        var piece = new byte[InitialPieceBytes];
        int n = NativeApi.llama_token_to_piece(_vocab, id, piece, 0, special: true);
        if (n < 0)
        {
            piece = new byte[-n];
            n = NativeApi.llama_token_to_piece(_vocab, id, piece, 0, special: true);
        }
        return piece.AsSpan(0, n).ToArray();
    }

    public void Dispose() => _weights.Dispose();
}
