using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Chat.Tools;

/// <summary>OpenAI's tool_choice values.</summary>
internal enum ToolChoiceMode
{
    /// <summary>The model decides (OpenAI's default when tools are given).</summary>
    Auto,
    /// <summary>The model must not call.</summary>
    None,
    /// <summary>The model must call at least one function.</summary>
    Required,
    /// <summary>The model must call <see cref="ToolChoice.FunctionName"/>.</summary>
    Function,
}

/// <summary>A request's tool_choice: a mode, and the function's name for <see cref="ToolChoiceMode.Function"/>.</summary>
internal sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);
    public static ToolChoice None { get; } = new(ToolChoiceMode.None);
    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);
    public static ToolChoice Function(string name) => new(ToolChoiceMode.Function, name);

    /// <summary>
    /// OpenAI's tool_choice: "none", "auto", "required" or {"type": "function", "function": {"name": ...}}; null (absent)
    /// is auto, which <see cref="ToolCalling.Plan"/> treats as none when there are no tools, as OpenAI does.
    /// </summary>
    public static ToolChoice FromOpenAi(JsonNode? node)
    {
        const string Field = "tool_choice";
        switch (node)
        {
            case null: return Auto;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return v.GetValue<string>() switch
                {
                    "auto" => Auto,
                    "none" => None,
                    "required" => Required,
                    var other => throw new ToolRequestException(Field, $"must be \"none\", \"auto\", \"required\" or a function, got \"{other}\""),
                };
            case JsonObject o:
                if ((o["type"] as JsonValue)?.GetValueKind() != JsonValueKind.String || o["type"]!.GetValue<string>() != "function")
                    throw new ToolRequestException($"{Field}.type", "must be \"function\"");
                if (o["function"] is not JsonObject f || f["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String
                    || name.GetValue<string>().Length == 0)
                    throw new ToolRequestException($"{Field}.function.name", "must be a non-empty string");
                return Function(name.GetValue<string>());
            default:
                throw new ToolRequestException(Field, "must be a string or an object");
        }
    }
}
