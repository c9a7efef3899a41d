using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Tokenization;

namespace SlotSharp.Generation;

/// <summary>
/// Log-probabilities in OpenAI's two shapes. A token's text is the tokenizer's decode of that one id (special tokens
/// kept), and its bytes that text's UTF-8, as vLLM reports them: a token holding part of a multi-byte character decodes
/// to U+FFFD. Values are the engine's (<see cref="TokenLogprob"/>: model logits plus the SLOT bias, before sampling
/// settings). Shared by the server's responses and the chat client's AdditionalProperties.
/// </summary>
internal sealed class LogprobsJson(ITokenizer tokenizer)
{
    readonly Dictionary<int, string> _texts = new();

    public string TokenText(int id)
    {
        if (!_texts.TryGetValue(id, out var text)) _texts[id] = text = tokenizer.Decode([id], skipSpecialTokens: false, cleanUpTokenizationSpaces: false);
        return text;
    }

    /// <summary>Chat: {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}, top_logprobs cut to <paramref name="top"/>.</summary>
    public JsonObject Chat(IEnumerable<TokenLogprob> tokens, int top) => new()
    {
        ["content"] = new JsonArray([.. tokens.Select(t =>
        {
            var entry = Entry(t.TokenId, t.Logprob);
            entry["top_logprobs"] = new JsonArray([.. t.Top.Take(top).Select(a => (JsonNode)Entry(a.TokenId, a.Logprob))]);
            return (JsonNode)entry;
        })]),
    };

    JsonObject Entry(int id, double logprob)
    {
        var text = TokenText(id);
        return new JsonObject
        {
            ["token"] = text,
            ["logprob"] = Finite(logprob),
            ["bytes"] = new JsonArray([.. Encoding.UTF8.GetBytes(text).Select(b => (JsonNode)(int)b)]),
        };
    }

    /// <summary>
    /// Completions (legacy): parallel lists tokens, token_logprobs, top_logprobs (a dict of token text to log-probability:
    /// the <paramref name="top"/> most likely plus the chosen token, as OpenAI documents up to logprobs + 1 entries) and
    /// text_offset (each token's character offset in the returned text, counted from <paramref name="firstOffset"/>).
    /// A null entry is a token with no log-probability (an echoed prompt's first token).
    /// </summary>
    public JsonObject Legacy(IReadOnlyList<(int Id, TokenLogprob? Logprob)> tokens, int top, int firstOffset)
    {
        var texts = new JsonArray();
        var values = new JsonArray();
        var tops = new JsonArray();
        var offsets = new JsonArray();
        int offset = firstOffset;
        foreach (var (id, logprob) in tokens)
        {
            var text = TokenText(id);
            texts.Add(text);
            offsets.Add(offset);
            offset += text.Length;
            values.Add(logprob == null ? null : Finite(logprob.Logprob));
            if (logprob == null) { tops.Add(null); continue; }
            var dict = new JsonObject();
            foreach (var alt in logprob.Top.Take(top)) dict[TokenText(alt.TokenId)] ??= Finite(alt.Logprob);
            dict[text] ??= Finite(logprob.Logprob);
            tops.Add(dict);
        }
        return new JsonObject { ["tokens"] = texts, ["token_logprobs"] = values, ["top_logprobs"] = tops, ["text_offset"] = offsets };
    }

    /// <summary>JSON has no -Infinity: a token the model gives probability 0 (a -inf logit) reports OpenAI's floor.</summary>
    static JsonNode Finite(double logprob) => double.IsFinite(logprob) ? logprob : -9999.0;
}
