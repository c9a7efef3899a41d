namespace SlotSharp.Chat.Tools;

/// <summary>
/// How a template wants an assistant turn that only called functions: its empty content as "" or None, and the
/// arguments as a parsed mapping or as JSON text. Templates disagree: Qwen3's tests <c>'&lt;/think&gt;' in content</c>
/// (None fails), DeepSeek-R1-Distill's renders calls only when content is None and concatenates the arguments as a
/// string, Qwen2.5's and Llama 3.1's apply tojson to the arguments (text would come out quoted).
/// </summary>
internal sealed record ToolCallShape(bool NullContent, bool ArgumentsAsText)
{
    /// <summary>transformers' documented form, and what vLLM passes: "" content, arguments as a mapping.</summary>
    public static ToolCallShape Default { get; } = new(false, false);

    /// <summary>The forms tried, in order; the first that renders a probe call wins.</summary>
    public static IReadOnlyList<ToolCallShape> Candidates { get; } = [Default, new(true, false), new(false, true), new(true, true)];
}

/// <summary>
/// What a chat template does with tools, found by rendering probes once per template (the template is the only
/// authority on its own format): whether it renders tool definitions, the <see cref="ToolCallShape"/> its assistant
/// tool calls need, and which output format its model writes calls in (<see cref="ToolCallFormats.Detect"/>).
/// </summary>
internal sealed class ToolTemplateSupport
{
    // Names no real conversation uses, so finding them in the output means the template rendered the probe.
    internal const string ProbeFunction = "slotsharp_probe_function";
    const string ProbeArgument = "slotsharp_probe_argument";

    public required bool RendersTools { get; init; }
    public required ToolCallShape CallShape { get; init; }
    public required ToolCallFormat? Format { get; init; }

    public static ToolTemplateSupport Probe(ChatTemplate template) => new()
    {
        RendersTools = ProbeTools(template),
        CallShape = ProbeCallShape(template),
        Format = ToolCallFormats.Detect(template.Source),
    };

    static bool ProbeTools(ChatTemplate template)
    {
        var tool = new OrderedDictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new OrderedDictionary<string, object?>
            {
                ["name"] = ProbeFunction,
                ["description"] = "probe",
                ["parameters"] = new OrderedDictionary<string, object?> { ["type"] = "object", ["properties"] = new OrderedDictionary<string, object?>() },
            },
        };
        var user = new OrderedDictionary<string, object?> { ["role"] = "user", ["content"] = "probe" };
        return RendersProbe(template, [user], [tool], ProbeFunction);
    }

    static ToolCallShape ProbeCallShape(ChatTemplate template)
    {
        var call = new ToolCall("call_probe", ProbeFunction, $$"""{"{{ProbeArgument}}": "probe"}""");
        foreach (var shape in ToolCallShape.Candidates)
        {
            object?[] messages =
            [
                ChatMessage.User("probe").ToTemplateValue(),
                ChatMessage.AssistantToolCalls([call]).ToTemplateValue(shape),
                ChatMessage.Tool("probe result", call.Id).ToTemplateValue(),
            ];
            if (RendersProbe(template, messages, null, ProbeFunction, ProbeArgument)) return shape;
        }
        return ToolCallShape.Default; // the template shows no calls in any form: nothing to adapt to
    }

    static bool RendersProbe(ChatTemplate template, IReadOnlyList<object?> messages, IReadOnlyList<object?>? tools, params string[] expected)
    {
        try
        {
            var text = template.RenderValues(messages, addGenerationPrompt: true, tools: tools);
            return expected.All(e => text.Contains(e, StringComparison.Ordinal));
        }
        // A template that rejects the probe (a type error, raise_exception) does not take that form.
        catch (ChatTemplateException) { return false; }
    }
}
