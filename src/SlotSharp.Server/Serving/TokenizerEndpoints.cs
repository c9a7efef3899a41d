using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SlotSharp.Engine;

namespace SlotSharp.Server;

/// <summary>
/// POST /tokenize, POST /detokenize and GET /tokenizer_info in vLLM's shapes, which lm-evaluation-harness's remote
/// tokenizer probes and uses. Prompts are encoded exactly as the completion routes encode them (RequestBuilder, the
/// chat path of <see cref="ChatPrompt"/>); unknown fields are 400s as there.
/// </summary>
internal sealed class TokenizerEndpoints(RequestBuilder requests, Func<string> servedName, Func<PromptBounds> bounds)
{
    SlotModel Model => requests.Model;

    /// <summary>{"prompt", "add_special_tokens" (true)} or {"messages", "add_generation_prompt" (true), "add_special_tokens" (false)}.</summary>
    public async Task Tokenize(HttpContext context)
    {
        var f = new BodyFields(await OpenAiEndpoints.ReadBody(context, bounds()));
        CompletionRequest.CheckModel(f, servedName());
        int[] ids;
        if (f.Has("messages"))
        {
            if (f.Has("prompt")) throw ApiError.BadRequest("give 'prompt' or 'messages', not both", "prompt");
            ids = ChatPrompt.Encode(f, requests, CompletionRequest.Messages(f), cancellation: context.RequestAborted);
            f.OpaqueObject("mm_processor_kwargs"); // multimodal inputs only; messages here are text
            f.OpaqueObject("media_io_kwargs");
        }
        else
        {
            var text = f.String("prompt") ?? throw ApiError.BadRequest("'prompt' (a string) or 'messages' is required", "prompt");
            ids = requests.Encode(PromptInput.FromText(text) with { AddSpecialTokens = f.Bool("add_special_tokens") ?? true });
        }
        bool strings = f.Bool("return_token_strs") ?? false;
        f.RefuseUnread();
        var answer = new JsonObject
        {
            ["count"] = ids.Length,
            ["max_model_len"] = Model.ContextLength,
            ["tokens"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]),
        };
        // vLLM's convert_ids_to_tokens: the vocabulary's strings ("Ġworld"), not decoded text.
        if (strings) answer["token_strs"] = new JsonArray([.. ids.Select(i => (JsonNode?)(Model.Tokenizer.IdToToken(i) ?? ""))]);
        await Write(context, answer);
    }

    /// <summary>{"tokens"} to {"prompt"}: decoded with special tokens kept, as vLLM's /detokenize (an inverse of /tokenize).</summary>
    public async Task Detokenize(HttpContext context)
    {
        var f = new BodyFields(await OpenAiEndpoints.ReadBody(context));
        CompletionRequest.CheckModel(f, servedName());
        var ids = f.Ints("tokens", 0, Model.VocabSize - 1, int.MaxValue) ?? throw ApiError.BadRequest("'tokens' is required", "tokens");
        f.RefuseUnread();
        await Write(context, new JsonObject { ["prompt"] = Model.Tokenizer.Decode(ids, skipSpecialTokens: false) });
    }

    /// <summary>
    /// The tokenizer's special tokens (what lm-evaluation-harness reads: eos_token, bos_token, pad_token), the chat
    /// template the server renders with and the context length. vLLM answers with the tokenizer's configuration;
    /// these are the fields of it that clients use.
    /// </summary>
    public Task TokenizerInfo(HttpContext context)
    {
        var chat = Model.Chat;
        string? Special(string name) => chat.SpecialTokens.TryGetValue(name, out var v) ? v as string : null;
        var answer = new JsonObject
        {
            // tokenizer_config.json's eos_token, else the model's first end-of-sequence id's string.
            ["eos_token"] = Special("eos_token") ?? (Model.EosIds.Count > 0 ? Model.Tokenizer.IdToToken(Model.EosIds[0]) : null),
            ["bos_token"] = Special("bos_token"),
            ["pad_token"] = Special("pad_token"),
            ["unk_token"] = Special("unk_token"),
            ["chat_template"] = chat.Source,
            ["model_max_length"] = Model.ContextLength,
            ["clean_up_tokenization_spaces"] = Model.Tokenizer.CleanUpTokenizationSpaces,
            ["vocab_size"] = Model.Tokenizer.VocabSize,
        };
        return Write(context, answer);
    }

    static Task Write(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
