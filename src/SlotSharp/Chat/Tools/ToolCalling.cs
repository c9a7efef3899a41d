namespace SlotSharp.Chat.Tools;

/// <summary>
/// What one request does with tools: the tool objects to render into the template (null: render none) and the format
/// to parse the output with (null: the output is plain content). Made by <see cref="ToolCalling.Plan"/>.
/// </summary>
internal sealed record ToolPlan(IReadOnlyList<object?>? RenderTools, ToolCallFormat? Format)
{
    /// <summary>No tools: render none, parse nothing.</summary>
    public static ToolPlan NoTools { get; } = new(null, null);

    /// <summary>A streaming parser for one output, or null when this request's output is not parsed for calls.</summary>
    public ToolCallStreamParser? NewParser(Func<string>? newId = null) =>
        Format is { } f ? new ToolCallStreamParser(f.NewScanner(), newId) : null;

    /// <summary>The whole output split into content and calls (no calls when this request is not parsed).</summary>
    public ToolCallOutput Parse(string text, Func<string>? newId = null) =>
        Format is { } f ? ToolCallStreamParser.Parse(f, text, newId) : new ToolCallOutput(text, []);
}

/// <summary>
/// The one place that decides how a request's tools and tool_choice are served (docs/tools.md), for the server and
/// the chat client alike.
/// <list type="bullet">
/// <item>No tools: nothing is rendered or parsed; tool_choice "required" or a function is refused.</item>
/// <item>"none": the model must not call, and without constrained decoding the only way to keep it from calling is
/// not to offer the tools: they are not rendered and the output is not parsed.</item>
/// <item>"auto" and "required": every tool is rendered and the output parsed. A named function: only that tool is
/// rendered (it must be among the tools). Nothing forces a call: if the model answers in text, the answer is that
/// text, finish reason "stop", as for "auto".</item>
/// <item>A template that does not render tool definitions (DeepSeek-R1-Distill's, Llama 3's) cannot offer tools,
/// and one whose call format no parser knows could not report the calls: either refuses "tools".</item>
/// </list>
/// </summary>
internal static class ToolCalling
{
    /// <summary>The plan for <paramref name="tools"/> and <paramref name="choice"/> (null: auto) on <paramref name="template"/>.</summary>
    public static ToolPlan Plan(ChatTemplate template, IReadOnlyList<ToolDefinition>? tools, ToolChoice? choice)
    {
        ArgumentNullException.ThrowIfNull(template);
        tools ??= [];
        choice ??= ToolChoice.Auto;
        if (tools.Count == 0)
        {
            if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Function)
                throw new ToolRequestException("tool_choice", "asks for a tool call, but the request offers no tools");
            return ToolPlan.NoTools;
        }
        var duplicate = tools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ToolRequestException("tools", $"declares the function '{duplicate.Key}' more than once");
        if (choice.Mode == ToolChoiceMode.None) return ToolPlan.NoTools;

        var support = template.ToolSupport;
        if (!support.RendersTools)
            throw new ToolRequestException("tools", "this model's chat template does not render tool definitions, so the model cannot be offered tools");
        if (support.Format is not { } format)
            throw new ToolRequestException("tools",
                "this model's chat template renders tools, but its tool-call format is not one SlotSharp parses (known: "
                + string.Join(", ", Enum.GetValues<ToolCallFormat>().Select(f => f.Families())) + ")");
        var offered = tools;
        if (choice.Mode == ToolChoiceMode.Function)
        {
            offered = tools.Where(t => t.Name == choice.FunctionName).ToList();
            if (offered.Count == 0) throw new ToolRequestException("tool_choice", $"names the function '{choice.FunctionName}', which is not among the tools");
        }
        return new ToolPlan(offered.Select(t => (object?)t.TemplateValue).ToList(), format);
    }

    /// <summary>OpenAI's finish_reason once the output is parsed: "tool_calls" when it holds calls (as vLLM), else the engine's.</summary>
    public static string FinishReason(string engineReason, int calls) => calls > 0 ? "tool_calls" : engineReason;
}
