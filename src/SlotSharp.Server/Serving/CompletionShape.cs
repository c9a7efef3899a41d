using System.Text.Json.Nodes;

namespace SlotSharp.Server;

/// <summary>The JSON objects of one OpenAI completion (chat or text), whole or as stream chunks.</summary>
internal sealed record CompletionShape(bool Chat, string Id, long Created, string Model)
{
    string WholeObject => Chat ? "chat.completion" : "text_completion";
    string ChunkObject => Chat ? "chat.completion.chunk" : "text_completion";

    public JsonObject Whole(string text, string finishReason, JsonObject usage) => Envelope(WholeObject, new JsonObject
    {
        ["index"] = 0,
        [Chat ? "message" : "text"] = Chat ? new JsonObject { ["role"] = "assistant", ["content"] = text } : text,
        ["logprobs"] = null,
        ["finish_reason"] = finishReason,
    }, usage);

    /// <summary>A chat delta object, or a completion's text piece.</summary>
    public JsonNode Delta(string text) => Chat ? new JsonObject { ["content"] = text } : JsonValue.Create(text);

    public JsonObject Chunk(JsonNode delta, string? finishReason) => Envelope(ChunkObject, new JsonObject
    {
        ["index"] = 0,
        [Chat ? "delta" : "text"] = delta,
        ["logprobs"] = null,
        ["finish_reason"] = finishReason,
    }, null);

    /// <summary>stream_options.include_usage: a last chunk with no choices and the usage.</summary>
    public JsonObject UsageChunk(JsonObject usage)
    {
        var o = Envelope(ChunkObject, null, usage);
        o["choices"] = new JsonArray();
        return o;
    }

    JsonObject Envelope(string kind, JsonObject? choice, JsonObject? usage) => new()
    {
        ["id"] = Id, ["object"] = kind, ["created"] = Created, ["model"] = Model,
        ["choices"] = choice == null ? new JsonArray() : new JsonArray(choice),
        ["usage"] = usage,
    };
}
