namespace SlotSharp.Server;

/// <summary>
/// The fields common clients send that this server accepts without acting on (docs/serving.md lists each with its
/// reason). Each is read here, so it is not an unknown field; where some value would change the answer, only the
/// values under which ignoring it cannot are accepted, and any other is a 400 naming the field.
/// </summary>
internal static class IgnoredFields
{
    public static void Read(BodyFields f, bool chat)
    {
        // The OpenAI SDKs': ids and tags for OpenAI's own bookkeeping (abuse monitoring, stored completions, tiers,
        // prompt caching); nothing here stores, tiers or shares a cache between requests.
        f.String("user");
        f.String("safety_identifier");
        f.String("prompt_cache_key");
        f.OpaqueObject("metadata");
        f.Bool("store");
        f.String("service_tier");

        // vLLM's request bookkeeping: the id, session and cache salt name things this server does not keep;
        // stream_interval only groups tokens into fewer chunks.
        f.String("request_id");
        f.String("session_id");
        f.String("cache_salt");
        f.Int("stream_interval", 1, int.MaxValue);
        f.Require(f.Long("priority", long.MinValue, long.MaxValue) is null or 0, "priority", "0 (one queue, first come first served)");

        // vLLM's sampling extras at the values this server always has.
        f.Require(f.Bool("skip_special_tokens") is null or true, "skip_special_tokens", "true (the text never holds special tokens)");
        // Affects only the slow tokenizers' decode; tokenizer.json decoding (vLLM's fast detokenizer too) never uses it.
        f.Bool("spaces_between_special_tokens");
        f.Require(f.Bool("include_stop_str_in_output") is null or false, "include_stop_str_in_output", "false (the text ends before a stop string)");
        f.Require(f.Int("min_tokens", 0, int.MaxValue) is null or 0, "min_tokens", "0");
        f.Require(f.Bool("use_beam_search") is null or false, "use_beam_search", "false (no beam search)");
        f.Double("length_penalty", double.MinValue, double.MaxValue); // beam search only, which is refused above
        f.String("truncation_side"); // with truncate_prompt_tokens only, which this server does not accept
        f.Require(f.Bool("watermarking") is null or false, "watermarking", "false");
        f.Require(f.Array("bad_words") is null or { Count: 0 }, "bad_words", "an empty list");
        f.Require(f.Bool("return_token_ids") is null or false, "return_token_ids", "false");
        f.Require(f.Bool("return_tokens_as_token_ids") is null or false, "return_tokens_as_token_ids", "false");
        // vLLM uses these on its render endpoints only; its generation endpoints ignore them too.
        f.Bool("return_token_offsets");
        f.Bool("return_mm_kwargs");
        f.Int("routed_experts_prompt_start", 0, int.MaxValue); // MoE routing records, which this server has none of

        if (!chat) return;
        // vLLM's chat echo prepends the last message; OpenAI's chat has no echo.
        f.Require(f.Bool("echo") is null or false, "echo", "false on chat completions");
        f.Require(f.Bool("include_reasoning") is null or true, "include_reasoning", "true (no reasoning parser: the content is the whole text)");
        f.Require(f.Bool("return_prompt_text") is null or false, "return_prompt_text", "false");
        // Inputs of multimodal processors: prompts here are text only (non-text content parts are refused).
        f.OpaqueObject("mm_processor_kwargs");
        f.OpaqueObject("media_io_kwargs");
        f.Require(f.Array("modalities") is not { } m || m.All(x => x?.GetValueKind() == System.Text.Json.JsonValueKind.String
            && (string?)x == "text"), "modalities", "[\"text\"]");
    }
}
