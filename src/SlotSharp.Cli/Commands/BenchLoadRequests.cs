using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// One kind of request of `slot bench load`: route, streamed or not, SLOT on or off, and whether the client leaves
/// after the first event (a disconnect mid-stream, which the server must turn into a cancellation).
/// </summary>
internal sealed record LoadRequestKind(bool Chat, bool Stream, bool Slot, bool Disconnect)
{
    /// <summary>
    /// The mix, issued in this order round-robin over all clients (so any run of at least this many requests sends
    /// every kind): each route streamed or not with SLOT off and on, then two disconnects. The chat disconnect with
    /// SLOT on usually leaves during the prompt stage (chat streams send their first event before decoding starts).
    /// </summary>
    public static readonly IReadOnlyList<LoadRequestKind> Mix =
    [
        .. from chat in new[] { false, true } from stream in new[] { false, true } from slot in new[] { false, true }
           select new LoadRequestKind(chat, stream, slot, false),
        new(Chat: true, Stream: true, Slot: true, Disconnect: true),
        new(Chat: false, Stream: true, Slot: false, Disconnect: true),
    ];

    public string Name => $"{(Chat ? "chat" : "completions")} {(Stream ? "stream" : "whole")} slot-{(Slot ? "on" : "off")}{(Disconnect ? " disconnect" : "")}";

    static readonly string[] Words = ["the", "river", "slowly", "carried", "a", "small", "boat", "past", "old", "stone", "houses", "while", "children", "sang"];

    /// <summary>The body of request <paramref name="number"/>: a seeded prompt of a few words, sampled at temperature 0.7.</summary>
    public JsonObject Body(long number, LoadSettings settings)
    {
        var rng = new Random((int)(number % int.MaxValue));
        var prompt = string.Join(' ', Enumerable.Range(0, 4 + rng.Next(12)).Select(_ => Words[rng.Next(Words.Length)]));
        var body = new JsonObject { ["max_tokens"] = settings.MaxTokens, ["temperature"] = 0.7, ["seed"] = (int)(number % int.MaxValue) };
        if (Chat) body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
        else body["prompt"] = prompt;
        if (settings.Model != null) body["model"] = settings.Model;
        if (Stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        if (Slot) body["slot"] = new JsonObject { ["times"] = settings.SlotTimes, ["lr"] = settings.SlotLr };
        return body;
    }

    /// <summary>Completion tokens of a whole (non-streamed) answer, or why it is not the OpenAI shape this request asked for.</summary>
    public (int Tokens, string? Problem) CheckWhole(string text, int maxTokens)
    {
        JsonObject? body;
        try { body = JsonNode.Parse(text) as JsonObject; }
        catch (JsonException e) { return (0, $"not JSON: {e.Message}"); }
        if (body == null) return (0, "not a JSON object");
        if ((string?)body["object"] != (Chat ? "chat.completion" : "text_completion")) return (0, $"object is '{body["object"]}'");
        var choice = (body["choices"] as JsonArray)?.SingleOrDefault() as JsonObject;
        var content = Chat ? choice?["message"]?["content"] : choice?["text"];
        if (content is not JsonValue v || v.GetValueKind() != JsonValueKind.String) return (0, "no text in choices[0]");
        if ((string?)choice!["finish_reason"] is not ("stop" or "length")) return (0, $"finish_reason is '{choice["finish_reason"]}'");
        return Usage(body["usage"], maxTokens);
    }

    /// <summary>
    /// Completion tokens of an SSE stream (every event JSON, then [DONE]; the last chunk before it carries the usage,
    /// the one before that the finish reason), or why it is malformed.
    /// </summary>
    public (int Tokens, string? Problem) CheckStream(IReadOnlyList<string> events, int maxTokens)
    {
        if (events.Count < 3 || events[^1] != "[DONE]") return (0, "the stream does not end with a finish chunk, a usage chunk and [DONE]");
        var chunks = new List<JsonObject>();
        foreach (var e in events.Take(events.Count - 1))
        {
            var (chunk, problem) = Chunk(e);
            if (problem != null) return (0, problem);
            chunks.Add(chunk!);
        }
        if ((string?)(chunks[^2]["choices"] as JsonArray)?.FirstOrDefault()?["finish_reason"] is not ("stop" or "length")) return (0, "the chunk before the usage has no finish_reason");
        if (chunks[^1]["choices"] is not JsonArray { Count: 0 }) return (0, "the usage chunk has choices");
        return Usage(chunks[^1]["usage"], maxTokens);
    }

    /// <summary>One SSE event's JSON chunk, or why it is not one of this route's chunks (an error event is a problem too).</summary>
    public (JsonObject? Chunk, string? Problem) Chunk(string data)
    {
        JsonObject? chunk;
        try { chunk = JsonNode.Parse(data) as JsonObject; }
        catch (JsonException e) { return (null, $"an event is not JSON: {e.Message}"); }
        if (chunk?["error"] is { } error) return (null, $"an error event: {error.ToJsonString()}");
        if ((string?)chunk?["object"] != (Chat ? "chat.completion.chunk" : "text_completion")) return (null, $"a chunk's object is '{chunk?["object"]}'");
        return (chunk, null);
    }

    static (int, string?) Usage(JsonNode? usage, int maxTokens)
    {
        int? prompt = (int?)usage?["prompt_tokens"], completion = (int?)usage?["completion_tokens"], total = (int?)usage?["total_tokens"];
        if (prompt is not > 0 || completion is not { } c || c < 0 || c > maxTokens || total != prompt + c)
            return (0, $"usage is inconsistent: {usage?.ToJsonString() ?? "missing"}");
        return (c, null);
    }

    /// <summary>An error body as OpenAI shapes it: {"error": {"message": "...", "type": "...", ...}}.</summary>
    public static bool IsOpenAiError(string text)
    {
        try { return JsonNode.Parse(text)?["error"] is JsonObject e && e["message"] is JsonValue && e["type"] is JsonValue; }
        catch (JsonException) { return false; }
    }
}
