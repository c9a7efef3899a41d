using System.Text.Json.Nodes;

namespace SlotSharp.Server;

/// <summary>The JSON objects of one OpenAI completion (chat or text), whole or as stream chunks.</summary>
internal sealed record CompletionShape(bool Chat, string Id, long Created, string Model)
{
    string WholeObject => Chat ? "chat.completion" : "text_completion";
    string ChunkObject => Chat ? "chat.completion.chunk" : "text_completion";

    /// <summary>A whole answer's choices (each from <see cref="Choice"/>) and usage.</summary>
    public JsonObject Whole(JsonArray choices, JsonObject usage) => Envelope(WholeObject, choices, usage);

    /// <summary>
    /// One choice of a whole answer: chat's message (content null when the answer is only tool calls, as OpenAI sends
    /// it) or a completion's text, its log-probabilities (null when not asked for) and finish reason.
    /// </summary>
    public JsonObject Choice(int index, string text, JsonArray? toolCalls, JsonNode? logprobs, string finishReason)
    {
        JsonNode message = Chat ? new JsonObject { ["role"] = "assistant", ["content"] = toolCalls != null && text.Length == 0 ? null : text } : JsonValue.Create(text);
        if (toolCalls != null) message["tool_calls"] = toolCalls;
        return new JsonObject
        {
            ["index"] = index,
            [Chat ? "message" : "text"] = message,
            ["logprobs"] = logprobs,
            ["finish_reason"] = finishReason,
        };
    }

    /// <summary>A chat delta object, or a completion's text piece.</summary>
    public JsonNode Delta(string text) => Chat ? new JsonObject { ["content"] = text } : JsonValue.Create(text);

    public JsonObject Chunk(JsonNode delta, string? finishReason, int index = 0, JsonNode? logprobs = null) => Envelope(ChunkObject, new JsonArray(new JsonObject
    {
        ["index"] = index,
        [Chat ? "delta" : "text"] = delta,
        ["logprobs"] = logprobs,
        ["finish_reason"] = finishReason,
    }), null);

    /// <summary>stream_options.include_usage: a last chunk with no choices and the usage.</summary>
    public JsonObject UsageChunk(JsonObject usage) => Envelope(ChunkObject, [], usage);

    JsonObject Envelope(string kind, JsonArray choices, JsonObject? usage) => new()
    {
        ["id"] = Id, ["object"] = kind, ["created"] = Created, ["model"] = Model,
        ["choices"] = choices,
        ["usage"] = usage,
    };
}
