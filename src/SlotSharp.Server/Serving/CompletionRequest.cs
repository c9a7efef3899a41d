using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Engine;
using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>
/// A checked body of POST /v1/chat/completions or /v1/completions: OpenAI's fields, vLLM's extras (top_k,
/// repetition_penalty, ignore_eos) and SlotSharp's "slot": {"times", "lr", "optimizer"}. Each bad field is a 400
/// naming it; docs/serving.md lists the fields and defaults.
/// </summary>
internal sealed record CompletionRequest(bool Chat, EngineRequest Engine, bool Stream, bool IncludeUsage)
{
    /// <summary>OpenAI's default max_tokens for /v1/completions; chat defaults to the rest of the context (bounded).</summary>
    public const int CompletionsDefaultMaxTokens = 16;
    /// <summary>At most this many stop strings, as OpenAI.</summary>
    public const int MaxStops = 4;

    public static CompletionRequest Parse(JsonObject body, bool chat, RequestBuilder requests, ServeSettings settings, string servedName)
    {
        var f = new BodyFields(body);
        if (f.String("model") is { } model && model != servedName)
            throw new ApiError(404, $"The model '{model}' does not exist; this server serves '{servedName}'", "model", "model_not_found");
        f.Int("n", 1, 1); // one choice per request
        var slotModel = requests.Model;
        int[] prompt = requests.Encode(chat ? PromptInput.FromMessages(Messages(f)) : Prompt(f, slotModel));
        if (prompt.Length == 0) throw ApiError.BadRequest("the prompt is empty", chat ? "messages" : "prompt");

        int maxPositions = slotModel.ContextLength;
        int? maxTokens = f.Int("max_completion_tokens", 0, settings.MaxTokensLimit) ?? f.Int("max_tokens", 0, settings.MaxTokensLimit);
        var generation = requests.DefaultGeneration with
        {
            MaxNewTokens = maxTokens ?? (chat ? Math.Clamp(maxPositions - prompt.Length, 1, settings.MaxTokensLimit) : CompletionsDefaultMaxTokens),
            // OpenAI's defaults: sampling at temperature 1.
            Temperature = f.Double("temperature", 0, 2) ?? 1.0,
            TopP = f.Double("top_p", double.Epsilon, 1) ?? 1.0,
            TopK = Math.Max(0, f.Int("top_k", -1, int.MaxValue) ?? 0), // vLLM: -1 (or 0 here) = off
            Seed = f.Int("seed", int.MinValue, int.MaxValue) ?? 0,
            RepetitionPenalty = f.Double("repetition_penalty", double.Epsilon, double.MaxValue) ?? slotModel.DefaultRepetitionPenalty,
            AllowLongContext = false,
        };
        generation.CheckContextLength(prompt.Length, maxPositions); // names both lengths

        var streamOptions = f.Object("stream_options");
        bool stream = f.Bool("stream") ?? false;
        bool includeUsage = streamOptions?.Bool("include_usage") ?? false;
        if (streamOptions != null && !stream) throw ApiError.BadRequest("'stream_options' is only allowed with 'stream': true", "stream_options");
        var engineRequest = requests.Build(PromptInput.FromIds(prompt), generation, ParseSlot(f.Object("slot"), settings.SlotDefaults), ParseStops(f),
            ignoreEos: f.Bool("ignore_eos") == true);
        return new CompletionRequest(chat, engineRequest, stream, includeUsage);
    }

    static SlotOptions ParseSlot(BodyFields? slot, SlotOptions defaults)
    {
        if (slot == null) return defaults;
        var optimizer = slot.String("optimizer") switch
        {
            null => defaults.Optimizer,
            "adamw" => SlotOptimizerKind.AdamW,
            "vllm" => SlotOptimizerKind.Vllm,
            var o => throw ApiError.BadRequest($"'slot.optimizer' must be adamw or vllm, got '{o}'", "slot.optimizer"),
        };
        return defaults with
        {
            Times = slot.Int("times", 0, SlotOptions.MaxTimes) ?? defaults.Times,
            Lr = slot.Double("lr", double.Epsilon, double.MaxValue) ?? defaults.Lr,
            Optimizer = optimizer,
        };
    }

    static PromptInput Prompt(BodyFields f, SlotModel model)
    {
        switch (f["prompt"])
        {
            case null: throw ApiError.BadRequest("'prompt' is required", "prompt");
            case JsonValue v when v.GetValueKind() == JsonValueKind.String: return PromptInput.FromText(f.String("prompt")!);
            case JsonArray a when a.All(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.Number):
                var ids = new int[a.Count];
                for (int i = 0; i < a.Count; i++)
                {
                    if (!a[i]!.AsValue().TryGetValue<int>(out ids[i]) || ids[i] < 0 || ids[i] >= model.VocabSize)
                        throw ApiError.BadRequest($"'prompt'[{i}] is not a token id in [0, {model.VocabSize})", "prompt");
                }
                return PromptInput.FromIds(ids);
            default: throw f.Wrong("prompt", "a string or a list of token ids (one prompt per request)");
        }
    }

    static List<ChatMessage> Messages(BodyFields f)
    {
        if (f["messages"] is not JsonArray { Count: > 0 } list) throw f.Wrong("messages", "a non-empty list");
        var messages = new List<ChatMessage>();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject o) throw ApiError.BadRequest($"'messages'[{i}] must be an object", "messages");
            var m = new BodyFields(o, $"messages[{i}].");
            var role = m.String("role") ?? throw ApiError.BadRequest($"'messages[{i}].role' is required", "messages");
            messages.Add(new ChatMessage(role, Content(m)));
        }
        return messages;
    }

    /// <summary>A string, or a list of {"type": "text", "text": ...} parts (joined), as the OpenAI SDKs send either.</summary>
    static string Content(BodyFields m)
    {
        if (m["content"] is JsonArray parts)
        {
            var text = new System.Text.StringBuilder();
            foreach (var part in parts)
            {
                if (part is not JsonObject p || (string?)(p["type"] as JsonValue) != "text")
                    throw m.Wrong("content", "a string or a list of text parts");
                text.Append(new BodyFields(p).String("text"));
            }
            return text.ToString();
        }
        return m.String("content") ?? "";
    }

    static string[] ParseStops(BodyFields f)
    {
        string[] stops = f["stop"] switch
        {
            null => [],
            JsonArray a => [.. a.Select((_, i) => new BodyFields(new JsonObject { ["stop"] = a[i]?.DeepClone() }).String("stop")
                                                 ?? throw f.Wrong("stop", "a string or a list of strings"))],
            _ => [f.String("stop")!],
        };
        if (stops.Length > MaxStops) throw ApiError.BadRequest($"'stop' holds {stops.Length} strings; at most {MaxStops}", "stop");
        if (stops.Any(s => s.Length == 0)) throw ApiError.BadRequest("'stop' strings must not be empty", "stop");
        return stops;
    }
}
