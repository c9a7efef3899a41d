using System.Text.Json;
using SlotSharp.Chat.Jinja;
using SlotSharp.Chat.Tools;
using SlotSharp.IO;

namespace SlotSharp.Chat;

/// <summary>Render settings: sandbox limits and the clock behind strftime_now (tests inject a fixed one).</summary>
public sealed record ChatTemplateOptions
{
    public ChatTemplateLimits Limits { get; init; } = ChatTemplateLimits.Default;
    /// <summary>Local "now" for strftime_now; defaults to DateTime.Now like Python's datetime.now().</summary>
    public Func<DateTime> Clock { get; init; } = () => DateTime.Now;

    public static ChatTemplateOptions Default { get; } = new();
}

/// <summary>
/// A Hugging Face chat template (Jinja2) rendered the way transformers' apply_chat_template does:
/// trim_blocks + lstrip_blocks, loop controls, tojson without HTML escaping, raise_exception and strftime_now.
/// Templates are untrusted: a sandboxed interpreter with bounded work (see <see cref="ChatTemplateLimits"/>).
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>transformers' historical default ChatML template, used when a model folder has none.</summary>
    internal const string FallbackChatMLSource =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static readonly string[] SpecialTokenNames = ["bos_token", "eos_token", "pad_token", "unk_token"];

    readonly IReadOnlyList<Stmt> _body;
    readonly ChatTemplateOptions _options;
    ToolTemplateSupport? _toolSupport;

    ChatTemplate(string source, IReadOnlyList<Stmt> body, ChatTemplateOptions options)
    {
        Source = source;
        _body = body;
        _options = options;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Context variables added to every render (special tokens from tokenizer_config.json).</summary>
    public IReadOnlyDictionary<string, object?> SpecialTokens { get; private init; } = new Dictionary<string, object?>();

    /// <summary>True when <see cref="FromModelFolder"/> found no template and fell back to ChatML.</summary>
    public bool IsFallback { get; private init; }

    /// <summary>A message for the user when something about the template choice deserves attention (e.g. fallback).</summary>
    public string? Warning { get; private init; }

    /// <summary>
    /// Whether the template renders tool definitions (the "tools" variable): found by rendering a probe tool and
    /// looking for its name. Qwen2.5's, Qwen3's and Llama 3.1's do; DeepSeek-R1-Distill's renders tool calls and
    /// results but not the tools themselves, so a model on it cannot be offered tools (docs/tools.md).
    /// </summary>
    public bool RendersTools => ToolSupport.RendersTools;

    /// <summary>What this template does with tools, probed on first use (a template never changes).</summary>
    internal ToolTemplateSupport ToolSupport => LazyInitializer.EnsureInitialized(ref _toolSupport, () => ToolTemplateSupport.Probe(this));

    /// <summary>Parses a template; unsupported or malformed constructs throw with their line and column.</summary>
    public static ChatTemplate Parse(string source, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= ChatTemplateOptions.Default;
        try
        {
            return new ChatTemplate(source, Parser.Parse(source, options.Limits.MaxNestingDepth), options);
        }
        catch (TemplateSyntaxError e) { throw e.ToPublic(); }
        catch (InsufficientExecutionStackException)
        {
            throw new ChatTemplateException(ChatTemplateErrorKind.LimitExceeded, "template nested too deeply to parse");
        }
    }

    /// <summary>Same template with extra context (e.g. special tokens) added to every render.</summary>
    public ChatTemplate WithSpecialTokens(IReadOnlyDictionary<string, object?> specialTokens) =>
        new(Source, _body, _options) { SpecialTokens = specialTokens, IsFallback = IsFallback, Warning = Warning };

    /// <summary>
    /// Loads the template of a Hugging Face model folder: chat_template.jinja if present (it wins, as in
    /// transformers), else tokenizer_config.json's chat_template (a string, or a list of {name, template} where
    /// "default" is used). Special-token strings from tokenizer_config.json join the render context.
    /// With no template at all, a generic ChatML template is used and <see cref="IsFallback"/>/<see cref="Warning"/> say so.
    /// </summary>
    public static ChatTemplate FromModelFolder(string dir, ChatTemplateOptions? options = null)
    {
        if (!Directory.Exists(dir)) throw new SlotSharpException($"model folder '{dir}' does not exist");
        var configPath = Path.Combine(dir, "tokenizer_config.json");
        var jinjaPath = Path.Combine(dir, "chat_template.jinja");
        var specialTokens = new Dictionary<string, object?>();
        string? configTemplate = null;
        if (File.Exists(configPath))
        {
            using var doc = ReadJson(configPath);
            var root = doc.RootElement;
            foreach (var name in SpecialTokenNames)
                if (root.TryGetProperty(name, out var token) && TokenContent(token, configPath, name) is { } content)
                    specialTokens[name] = content;
            if (root.TryGetProperty("chat_template", out var field)) configTemplate = TemplateFromConfig(field, configPath);
        }
        string source;
        string? warning = null;
        var fallback = false;
        if (File.Exists(jinjaPath)) source = File.ReadAllText(jinjaPath);
        else if (configTemplate != null) source = configTemplate;
        else
        {
            source = FallbackChatMLSource;
            fallback = true;
            warning = $"no chat template in '{dir}' (neither chat_template.jinja nor a chat_template field in "
                      + "tokenizer_config.json); using a generic ChatML template, which may not match how the model was trained";
        }
        ChatTemplate parsed;
        try { parsed = Parse(source, options); }
        catch (ChatTemplateException e)
        {
            var file = File.Exists(jinjaPath) ? jinjaPath : configPath;
            throw new ChatTemplateException(e.Kind, $"chat template in '{file}': {e.Message}");
        }
        return new ChatTemplate(source, parsed._body, parsed._options)
        {
            SpecialTokens = specialTokens, IsFallback = fallback, Warning = warning,
        };
    }

    static JsonDocument ReadJson(string path) => UserJson.Parse(File.ReadAllBytes(path), path);

    static string? TokenContent(JsonElement token, string path, string name) => token.ValueKind switch
    {
        JsonValueKind.String => token.GetString(),
        JsonValueKind.Null => null,
        JsonValueKind.Object when token.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => throw new SlotSharpException($"'{path}': field '{name}' must be a string or an object with 'content'"),
    };

    static string? TemplateFromConfig(JsonElement field, string path)
    {
        switch (field.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.String: return field.GetString();
            case JsonValueKind.Array:
                var names = new List<string>();
                foreach (var item in field.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n)
                        || !item.TryGetProperty("template", out var t) || t.ValueKind != JsonValueKind.String)
                        throw new SlotSharpException($"'{path}': chat_template list entries need 'name' and 'template'");
                    if (n.GetString() == "default") return t.GetString();
                    names.Add(n.GetString() ?? "");
                }
                throw new SlotSharpException(
                    $"'{path}': chat_template has no 'default' entry (available: {string.Join(", ", names)})");
            default:
                throw new SlotSharpException($"'{path}': field 'chat_template' must be a string or a list of {{name, template}}");
        }
    }

    /// <summary>
    /// Renders a conversation. Context = messages, add_generation_prompt, tools (None when absent), documents (None),
    /// the special tokens, then <paramref name="extraContext"/> (e.g. enable_thinking, date_string), later entries winning.
    /// <paramref name="tools"/> are OpenAI tool objects, {"type": "function", "function": {"name", "description",
    /// "parameters"}}, as transformers and vLLM pass them. Messages' <see cref="ChatMessage.ToolCalls"/> reach the
    /// template in the form it reads (arguments as a mapping, or as text for templates that concatenate them).
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extraContext = null, IReadOnlyList<object?>? tools = null) =>
        Render(messages, addGenerationPrompt, extraContext, tools, CancellationToken.None);

    /// <summary><see cref="Render(IReadOnlyList{ChatMessage}, bool, IReadOnlyDictionary{string, object?}?, IReadOnlyList{object?}?)"/>,
    /// stopped by <paramref name="cancellation"/> (OperationCanceledException) within a few microseconds of rendering.</summary>
    internal string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extraContext, IReadOnlyList<object?>? tools, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var shape = messages.Any(m => m.ToolCalls is { Count: > 0 }) ? ToolSupport.CallShape : null;
        return RenderValues(messages.Select(m => (object?)m.ToTemplateValue(shape)).ToList(), addGenerationPrompt, extraContext, tools, cancellation);
    }

    /// <summary>Like <see cref="Render(IReadOnlyList{ChatMessage}, bool, IReadOnlyDictionary{string, object?}?, IReadOnlyList{object?}?)"/>
    /// but with messages as arbitrary values (dictionaries, JsonElements...).</summary>
    internal string RenderValues(IReadOnlyList<object?> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extraContext = null, IReadOnlyList<object?>? tools = null, CancellationToken cancellation = default)
    {
        var context = new Dictionary<string, object?>
        {
            ["messages"] = TemplateValues.From(messages),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = tools == null ? null : TemplateValues.From(tools),
            ["documents"] = null,
        };
        foreach (var kv in SpecialTokens) context[kv.Key] = TemplateValues.From(kv.Value);
        if (extraContext != null)
            foreach (var kv in extraContext) context[kv.Key] = TemplateValues.From(kv.Value);
        return new Interpreter(_options.Limits, _options.Clock, cancellation).Render(_body, context);
    }
}
