using System.Text;
using System.Text.Json;
using SlotSharp.Tokenization;

namespace SlotSharp.Server;

/// <summary>
/// Bounds on a request's prompt, checked on the raw body before it is parsed into objects, rendered or tokenized
/// (issue 19, defect 2: three 46 MB bodies of 1,000,000 one-word messages took 29 s each to be refused and grew the
/// server by 4.3 GB). Each bound refuses only what cannot fit the model's context of C tokens whatever the tokenizer
/// does, so a prompt that would fit is never refused here:
/// <list type="bullet">
/// <item>at most C messages: every message a chat template renders costs at least one token (its role marker);</item>
/// <item>at most 2 x C x L bytes of message or prompt text (UTF-8, unescaped), L the longest token's string in
/// bytes: text of B bytes needs at least B / L tokens. L is read off the vocabulary's token strings, which never
/// under-count (byte-level BPE writes some single bytes as two-byte characters, SentencePiece byte tokens as
/// "&lt;0xE9&gt;"); the factor 2 covers a normalizer that shrinks text (NFC composition takes 3 bytes to 2 at most);</item>
/// <item>at most C token ids in one prompt.</item>
/// </list>
/// /v1/generate's allow_long_context lets a prompt run past the trained length: its bounds are
/// <see cref="LongContextFactor"/> times larger. The scan reads the body once with Utf8JsonReader, allocating
/// nothing per message; a body that is not JSON is left to the parser, whose message is the useful one.
/// </summary>
internal sealed class PromptBounds(int contextLength, int longestTokenBytes)
{
    /// <summary>How much further than the model's context a /v1/generate prompt with allow_long_context may reach.</summary>
    public const int LongContextFactor = 4;

    public int ContextLength { get; } = contextLength;
    public int LongestTokenBytes { get; } = longestTokenBytes;

    /// <summary>The bounds of <paramref name="model"/>'s context and vocabulary (one pass over the vocabulary).</summary>
    public static PromptBounds For(SlotModel model) => new(model.ContextLength, LongestToken(model.Tokenizer, model.VocabSize));

    static int LongestToken(ITokenizer tokenizer, int vocabSize)
    {
        int longest = 1;
        int count = Math.Max(vocabSize, tokenizer.VocabSize);
        for (int id = 0; id < count; id++)
            if (tokenizer.IdToToken(id) is { } token) longest = Math.Max(longest, Encoding.UTF8.GetByteCount(token));
        if (tokenizer is HfTokenizer hf)
            foreach (var added in hf.AddedTokens) longest = Math.Max(longest, Encoding.UTF8.GetByteCount(added.Content));
        return longest;
    }

    /// <summary>
    /// Refuses (400 naming the field) a body whose messages, prompt text or prompt ids cannot fit. Reads "messages",
    /// "prompt" (a string, ids, or a list of either) and "prompt_ids"; <paramref name="longContext"/>: the request
    /// may use allow_long_context (/v1/generate), whose own field, when the body has it, decides.
    /// </summary>
    public void Check(ReadOnlySpan<byte> body, bool? longContext = null)
    {
        var m = Measure(body);
        if (m == null) return;
        long factor = (m.LongContext ?? longContext ?? false) && longContext != null ? LongContextFactor : 1;
        long maxMessages = factor * ContextLength, maxIds = factor * ContextLength;
        long maxBytes = 2 * factor * ContextLength * LongestTokenBytes;
        string context = factor == 1 ? $"the model's context of {ContextLength} tokens"
            : $"{factor} x the model's context of {ContextLength} tokens (allow_long_context)";
        if (m.Messages > maxMessages)
            throw ApiError.BadRequest($"'messages' holds {m.Messages} messages; at most {maxMessages}: every message takes at least one token of {context}", "messages");
        if (m.MessageBytes > maxBytes)
            throw ApiError.BadRequest($"'messages' hold {m.MessageBytes} bytes of text; at most {maxBytes}: more cannot fit {context} " +
                                      $"(no token is longer than {LongestTokenBytes} bytes)", "messages");
        if (m.LongestText > maxBytes)
            throw ApiError.BadRequest($"'prompt' is {m.LongestText} bytes of text; at most {maxBytes}: more cannot fit {context} " +
                                      $"(no token is longer than {LongestTokenBytes} bytes)", "prompt");
        if (m.MostIds > maxIds)
            throw ApiError.BadRequest($"'{m.IdsField}' holds {m.MostIds} token ids; at most {maxIds}, {context}", m.IdsField);
    }

    sealed class Measures
    {
        public long Messages, MessageBytes, LongestText, MostIds;
        public string IdsField = "prompt";
        public bool? LongContext;
    }

    /// <summary>The sizes the bounds apply to; null when the body is not a JSON object (the parser reports it).</summary>
    static Measures? Measure(ReadOnlySpan<byte> body)
    {
        var m = new Measures();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool messages = reader.ValueTextEquals("messages"u8), prompt = reader.ValueTextEquals("prompt"u8),
                    promptIds = reader.ValueTextEquals("prompt_ids"u8), longContext = reader.ValueTextEquals("allow_long_context"u8);
                if (!reader.Read()) return null;
                if (messages && reader.TokenType == JsonTokenType.StartArray) ScanMessages(ref reader, m);
                else if ((prompt || promptIds) && reader.TokenType == JsonTokenType.StartArray) ScanPrompts(ref reader, m, promptIds ? "prompt_ids" : "prompt");
                else if (prompt && reader.TokenType == JsonTokenType.String) m.LongestText = Math.Max(m.LongestText, TextBytes(ref reader));
                else if (longContext && reader.TokenType is JsonTokenType.True or JsonTokenType.False) m.LongContext = reader.TokenType == JsonTokenType.True;
                else reader.Skip();
            }
        }
        catch (JsonException) { return null; }
        return m;
    }

    /// <summary>Counts the messages and the bytes of their "content" strings and "text" parts (a subset of what renders).</summary>
    static void ScanMessages(ref Utf8JsonReader reader, Measures m)
    {
        int depth = reader.CurrentDepth;
        bool textual = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray)) m.Messages++;
            if (reader.TokenType == JsonTokenType.PropertyName) textual = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8);
            else if (reader.TokenType == JsonTokenType.String && textual) m.MessageBytes += TextBytes(ref reader);
        }
    }

    /// <summary>A list of ids (one prompt), or of strings or id lists (one prompt each): the longest of each kind.</summary>
    static void ScanPrompts(ref Utf8JsonReader reader, Measures m, string field)
    {
        int depth = reader.CurrentDepth;
        long outerIds = 0;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.Number) outerIds++;
            else if (reader.TokenType == JsonTokenType.String) m.LongestText = Math.Max(m.LongestText, TextBytes(ref reader));
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                long inner = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    if (reader.TokenType == JsonTokenType.Number) inner++;
                    else reader.Skip();
                if (inner > m.MostIds) (m.MostIds, m.IdsField) = (inner, field);
            }
            else reader.Skip();
        }
        if (outerIds > m.MostIds) (m.MostIds, m.IdsField) = (outerIds, field);
    }

    /// <summary>
    /// The UTF-8 length of the string unescaped (an escape such as \u00e9 is 6 bytes in the body, 2 in the text); 0 for
    /// a string that does not unescape (a lone surrogate), which the parser then refuses with its own message.
    /// </summary>
    static long TextBytes(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan.Length;
        try { return Encoding.UTF8.GetByteCount(reader.GetString()!); }
        catch (InvalidOperationException) { return 0; }
    }
}
