namespace SlotSharp.Chat.Tools;

/// <summary>
/// A request's tools or tool choice that cannot be served. <see cref="Field"/> is the OpenAI request field at fault
/// ("tools", "tool_choice", "messages", or a path inside one such as "tools[1].function.name"), so each front door can
/// name it in its own terms (the server as the field, the chat client as its ChatOptions property); <see cref="Reason"/>
/// says what is wrong without naming it.
/// </summary>
internal sealed class ToolRequestException(string field, string reason) : SlotSharpException($"'{field}': {reason}")
{
    public string Field { get; } = field;
    public string Reason { get; } = reason;

    /// <summary>The top-level request field (OpenAI's error "param"): "tools" for "tools[1].function.name".</summary>
    public string TopLevelField => Field.Split('[', '.')[0];
}
