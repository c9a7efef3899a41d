using SlotSharp.Chat;
using SlotSharp.Engine;

namespace SlotSharp.Server;

/// <summary>
/// The ids of a chat as vLLM builds them from a request's messages, for POST /v1/chat/completions and POST /tokenize
/// alike: the model's chat template with add_generation_prompt (default true) and chat_template_kwargs, encoded with
/// add_special_tokens (default false: the template holds any BOS).
/// </summary>
internal static class ChatPrompt
{
    /// <summary>Template variables the request sets through its own fields; chat_template_kwargs may not replace them.</summary>
    static readonly string[] Reserved = ["messages", "add_generation_prompt", "tools", "documents"];

    /// <summary>Reads add_generation_prompt, add_special_tokens and chat_template_kwargs, then encodes <paramref name="messages"/>.</summary>
    /// <param name="cancellation">Stops the render (the client left); the text's length was bounded before (PromptBounds).</param>
    public static int[] Encode(BodyFields f, RequestBuilder requests, IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools = null,
        CancellationToken cancellation = default)
    {
        bool generationPrompt = f.Bool("add_generation_prompt") ?? true;
        bool special = f.Bool("add_special_tokens") ?? false;
        f.Require(f.Bool("continue_final_message") != true, "continue_final_message", "false (the chat template renders whole messages)");
        var kwargs = Kwargs(f);
        // Without extras, the very prompt RequestBuilder makes for every front door.
        if (generationPrompt && kwargs == null)
            return requests.Encode(PromptInput.FromMessages(messages) with { AddSpecialTokens = special, Tools = tools }, cancellation);
        var text = requests.Model.Chat.Render(messages, generationPrompt, kwargs, tools, cancellation);
        cancellation.ThrowIfCancellationRequested();
        return requests.Encode(PromptInput.FromText(text) with { AddSpecialTokens = special }, cancellation);
    }

    /// <summary>chat_template_kwargs as extra template variables (e.g. Qwen3's enable_thinking); null when none.</summary>
    static Dictionary<string, object?>? Kwargs(BodyFields f)
    {
        if (f.OpaqueObject("chat_template_kwargs") is not { Count: > 0 } o) return null;
        var kwargs = new Dictionary<string, object?>();
        foreach (var (key, value) in o)
        {
            if (Reserved.Contains(key))
                throw ApiError.BadRequest($"'chat_template_kwargs' may not set '{key}': the request's own fields do", "chat_template_kwargs");
            kwargs[key] = value?.DeepClone();
        }
        return kwargs;
    }
}
