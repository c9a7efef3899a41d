using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Chat.Tools;
using SlotSharp.Engine;

namespace SlotSharp.Server;

/// <summary>
/// A checked body of POST /v1/chat/completions or /v1/completions: OpenAI's fields, vLLM's extras and SlotSharp's
/// "slot" object. Each bad field is a 400 naming it, and so is every field no code read (<see cref="BodyFields.RefuseUnread"/>);
/// docs/serving.md lists the fields, their defaults and what is accepted without effect.
/// <see cref="Engine"/> is the request of the first prompt (<see cref="Prompts"/>[0]).
/// </summary>
internal sealed record CompletionRequest(bool Chat, EngineRequest Engine, bool Stream, bool IncludeUsage)
{
    /// <summary>OpenAI's default max_tokens for /v1/completions; chat defaults to the rest of the context (bounded).</summary>
    public const int CompletionsDefaultMaxTokens = 16;
    /// <summary>At most this many stop strings, as OpenAI.</summary>
    public const int MaxStops = 4;
    /// <summary>At most this many prompts in one /v1/completions request (a list of strings or of token-id lists).</summary>
    public const int MaxPrompts = 256;
    /// <summary>At most this many choices per prompt (n).</summary>
    public const int MaxChoices = 64;
    /// <summary>The most log-probability alternatives per position (OpenAI's top_logprobs bound; vLLM's default max_logprobs).</summary>
    public const int MaxLogprobs = 20;

    /// <summary>
    /// Every prompt's ids, in request order: one for chat, one or more for completions (prompt as a list). Each was
    /// checked against the context length with this request's max tokens; each is its own engine request
    /// (<see cref="EngineFor"/>), all submitted together, so they decode in one batch.
    /// </summary>
    public IReadOnlyList<int[]> Prompts { get; init; } = [];

    /// <summary>The text each prompt was given as (null for token ids), which echo returns as given.</summary>
    public IReadOnlyList<string?> PromptTexts { get; init; } = [];

    /// <summary>n: choices per prompt, in [1, <see cref="MaxChoices"/>]; best_of (completions) equal to it or absent.
    /// The engine forks one prefill and one SLOT stage into n choices (<see cref="EngineRequest.Choices"/>).</summary>
    public int N { get; init; } = 1;

    /// <summary>
    /// Null: no log-probabilities. k: the log-probability of each chosen token plus its k most likely alternatives,
    /// k in [0, <see cref="MaxLogprobs"/>] (chat: "logprobs": true with "top_logprobs": k, default 0; completions:
    /// "logprobs": k).
    /// </summary>
    public int? Logprobs { get; init; }

    /// <summary>Completions' echo: the prompt text before the completion (and its log-probabilities with
    /// <see cref="Logprobs"/>, the first token's null).</summary>
    public bool Echo { get; init; }

    /// <summary>slot.fit_tokens (at least 2, at most the context length): the stage fits the first K prompt tokens only.</summary>
    public int? FitTokens { get; init; }

    /// <summary>What the request does with tools (chat): what the template renders and how the output is parsed.</summary>
    public ToolPlan Tools { get; init; } = ToolPlan.NoTools;

    /// <summary>slot.return_delta: the answer's top-level "slot" object carries the delta (base64 float32) and the losses.</summary>
    public bool ReturnDelta { get; init; }

    /// <summary>The engine request of prompt <paramref name="index"/>: <see cref="Engine"/> with that prompt's ids.</summary>
    public EngineRequest EngineFor(int index) => Engine with { PromptIds = Prompts[index] };

    /// <param name="cancellation">Stops rendering the chat (the client left).</param>
    public static CompletionRequest Parse(JsonObject body, bool chat, RequestBuilder requests, ServeSettings settings, string servedName,
        CancellationToken cancellation = default)
    {
        var f = new BodyFields(body);
        CheckModel(f, servedName);
        var slotModel = requests.Model;
        var tools = chat ? ParseTools(f, requests) : ToolPlan.NoTools;
        var (prompts, texts) = chat ? ([ChatPrompt.Encode(f, requests, Messages(f), tools.RenderTools, cancellation)], [null]) : ParsePrompts(f, requests, cancellation);
        if (prompts[0].Length == 0) throw ApiError.BadRequest("the prompt is empty", chat ? "messages" : "prompt");
        var (n, logprobs, echo) = Choices(f, chat);
        var generation = SamplingFields.Parse(f, chat, requests, settings, [.. prompts.Select(p => p.Length)]);

        var streamOptions = f.Object("stream_options");
        bool stream = f.Bool("stream") ?? false;
        bool includeUsage = streamOptions?.Bool("include_usage") ?? false;
        streamOptions?.Bool("include_obfuscation"); // OpenAI's random padding of chunks against length side channels: none here
        streamOptions?.Require(streamOptions.Bool("continuous_usage_stats") is null or false, "continuous_usage_stats", "false (usage comes in the last chunk)");
        if (streamOptions != null && !stream) throw ApiError.BadRequest("'stream_options' is only allowed with 'stream': true", "stream_options");
        var slot = SlotFields.Parse(f.Object("slot"), settings.SlotDefaults, slotModel);
        var stops = ParseStops(f);
        bool ignoreEos = f.Bool("ignore_eos") == true;
        var constraint = ConstraintFields.Parse(f);
        // The vocabulary's byte trie is built once per tokenizer (about half a second for Qwen's 151k tokens): here, on
        // the request's thread, rather than on the engine thread, where it would stall every running sequence.
        if (constraint != null) SlotSharp.Generation.Constraints.VocabularyTrie.For(slotModel.Tokenizer);
        IgnoredFields.Read(f, chat);
        f.RefuseUnread();

        var slotOptions = slot.FitTokens is { } fit ? slot.Options with { FitTokens = fit } : slot.Options;
        var engineRequest = requests.Build(PromptInput.FromIds(prompts[0]), generation, slotOptions, stops, ignoreEos, slot.Delta) with
        {
            Choices = n, Logprobs = logprobs, PromptLogprobs = echo && logprobs != null, Constraint = constraint,
        };
        return new CompletionRequest(chat, engineRequest, stream, includeUsage)
        {
            Prompts = prompts, PromptTexts = texts, N = n, Logprobs = logprobs, Echo = echo, FitTokens = slot.FitTokens,
            ReturnDelta = slot.ReturnDelta, Tools = tools,
        };
    }

    /// <summary>"model", when given, must be the served name (404 otherwise, as OpenAI and vLLM answer).</summary>
    internal static void CheckModel(BodyFields f, string servedName)
    {
        if (f.String("model") is { } model && model != servedName)
            throw new ApiError(404, $"The model '{model}' does not exist; this server serves '{servedName}'", "model", "model_not_found");
    }

    /// <summary>n and best_of, logprobs (chat: with top_logprobs) and echo; see the properties.</summary>
    static (int N, int? Logprobs, bool Echo) Choices(BodyFields f, bool chat)
    {
        int n = f.Int("n", 1, MaxChoices) ?? 1;
        if (!chat && f.Int("best_of", 1, int.MaxValue) is { } bestOf)
        {
            if (bestOf < n) throw ApiError.BadRequest($"'best_of' ({bestOf}) must be at least 'n' ({n})", "best_of");
            // best_of > n ranks candidates by log-probability and returns the best n: not served.
            if (bestOf > n) throw ApiError.BadRequest($"'best_of' greater than 'n' is not supported; give best_of = n ({n}) or leave it out", "best_of");
        }
        if (!chat) return (n, f.Int("logprobs", 0, MaxLogprobs), f.Bool("echo") ?? false);
        bool logprobs = f.Bool("logprobs") ?? false;
        int? top = f.Int("top_logprobs", 0, MaxLogprobs);
        if (top is > 0 && !logprobs) throw ApiError.BadRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        return (n, logprobs ? top ?? 0 : null, false);
    }

    /// <summary>
    /// prompt: a string or a list of token ids (one prompt), or a list of strings or of token-id lists (one prompt each,
    /// at most <see cref="MaxPrompts"/>). Text is encoded with add_special_tokens (default true, as vLLM); ids are used as given.
    /// </summary>
    static (int[][] Ids, string?[] Texts) ParsePrompts(BodyFields f, RequestBuilder requests, CancellationToken cancellation)
    {
        bool special = f.Bool("add_special_tokens") ?? true;
        int vocab = requests.Model.VocabSize;
        int[] Text(string text, string name)
        {
            // Each prompt is bounded (PromptBounds: 16 MB of text for a 32k context, about 4 s to tokenize here); a
            // client that leaves stops a list of them between two prompts.
            cancellation.ThrowIfCancellationRequested();
            var ids = requests.Encode(PromptInput.FromText(text) with { AddSpecialTokens = special }, cancellation);
            return ids.Length > 0 ? ids : throw ApiError.BadRequest(name == "prompt" ? "the prompt is empty" : $"{name} is empty", "prompt");
        }
        switch (f["prompt"])
        {
            case null: throw ApiError.BadRequest("'prompt' is required", "prompt");
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = f.String("prompt")!;
                return ([Text(text, "prompt")], [text]);
            case JsonArray { Count: 0 }: throw ApiError.BadRequest("the prompt is empty", "prompt");
            case JsonArray a when a.All(IsNumber): return ([Ids(a, "'prompt'", vocab)], [null]);
            case JsonArray a when a.Count > MaxPrompts:
                throw ApiError.BadRequest($"'prompt' holds {a.Count} prompts; at most {MaxPrompts}", "prompt");
            case JsonArray a when a.All(x => x?.GetValueKind() == JsonValueKind.String):
                var texts = a.Select(x => BodyFields.Text(x, "prompt", "a string")).ToArray();
                return ([.. texts.Select((t, i) => Text(t, $"'prompt'[{i}]"))], texts);
            case JsonArray a when a.All(x => x is JsonArray inner && inner.All(IsNumber)):
                return ([.. a.Select((x, i) => Ids((JsonArray)x!, $"'prompt'[{i}]", vocab))], new string?[a.Count]);
            default: throw f.Wrong("prompt", "a string, a list of token ids, or a list of strings or of token-id lists");
        }
    }

    static bool IsNumber(JsonNode? x) => x is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    static int[] Ids(JsonArray a, string name, int vocab)
    {
        if (a.Count == 0) throw ApiError.BadRequest($"{name} is empty", "prompt");
        var ids = new int[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (!a[i]!.AsValue().TryGetValue<int>(out ids[i]) || ids[i] < 0 || ids[i] >= vocab)
                throw ApiError.BadRequest($"{name}[{i}] is not a token id in [0, {vocab})", "prompt");
        }
        return ids;
    }

    internal static List<ChatMessage> Messages(BodyFields f)
    {
        if (f["messages"] is not JsonArray { Count: > 0 } list) throw f.Wrong("messages", "a non-empty list");
        var messages = new List<ChatMessage>();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject o) throw ApiError.BadRequest($"'messages'[{i}] must be an object", "messages");
            var m = new BodyFields(o, $"messages[{i}].");
            var role = m.String("role") ?? throw ApiError.BadRequest($"'messages[{i}].role' is required", "messages");
            messages.Add(role switch
            {
                // An assistant turn that called tools, and a tool's result, render back into the template.
                "assistant" when o["tool_calls"] is JsonArray { Count: > 0 } calls =>
                    ChatMessage.AssistantToolCalls(ToolCallJson.FromOpenAi(calls, $"messages[{i}].tool_calls"), m.Has("content") ? Content(m) : null),
                "tool" => ChatMessage.Tool(Content(m), m.String("tool_call_id")),
                _ => new ChatMessage(role, Content(m)),
            });
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

    /// <summary>tools and tool_choice through the one plan (docs/tools.md); parallel_tool_calls is accepted: calls are never merged or cut.</summary>
    static ToolPlan ParseTools(BodyFields f, RequestBuilder requests)
    {
        f.Accept("tools", "tool_choice", "parallel_tool_calls");
        if (f["tools"] == null && f["tool_choice"] == null) return ToolPlan.NoTools;
        return ToolCalling.Plan(requests.Model.Chat, f["tools"] == null ? null : ToolDefinition.ListFromOpenAi(f["tools"]), ToolChoice.FromOpenAi(f["tool_choice"]));
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
