using SlotSharp.Chat.Tools;

namespace SlotSharp.Tests.Chat.Tools;

/// <summary>
/// Hand-written model outputs of each family, in the format its chat template asks for (or renders an assistant's
/// calls in), with the content and calls a reader of that format finds in them.
/// </summary>
internal static class ToolOutputs
{
    public const string B = "<｜tool▁calls▁begin｜>", CB = "<｜tool▁call▁begin｜>", S = "<｜tool▁sep｜>", CE = "<｜tool▁call▁end｜>",
        E = "<｜tool▁calls▁end｜>";

    public sealed record Case(string Name, ToolCallFormat Format, string Output, string Content, params (string Name, string Arguments)[] Calls)
    {
        public override string ToString() => Name;
    }

    const string Paris = """{"name": "get_weather", "arguments": {"city": "Paris"}}""";
    const string Zurich = """{"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}""";

    public static readonly Case[] All =
    [
        new("hermes one call", ToolCallFormat.Hermes, $"<tool_call>\n{Paris}\n</tool_call>", "", ("get_weather", """{"city": "Paris"}""")),
        new("hermes text, two calls, text", ToolCallFormat.Hermes,
            $"Let me check both cities.\n<tool_call>\n{Paris}\n</tool_call>\n<tool_call>\n{Zurich}\n</tool_call>\nDone.",
            "Let me check both cities.\nDone.", ("get_weather", """{"city": "Paris"}"""), ("get_weather", """{"city": "Zürich", "unit": "celsius"}""")),
        new("hermes malformed json stays text", ToolCallFormat.Hermes,
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>",
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>"),
        new("hermes good call then malformed one", ToolCallFormat.Hermes,
            $"<tool_call>\n{Paris}\n</tool_call>\n<tool_call>\n{{\"name\": \"get_time\"\n</tool_call>",
            "<tool_call>\n{\"name\": \"get_time\"\n</tool_call>", ("get_weather", """{"city": "Paris"}""")),
        new("hermes unclosed whole call at the end", ToolCallFormat.Hermes, "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n", "",
            ("now", "{}")),
        new("hermes call without arguments", ToolCallFormat.Hermes, "<tool_call>{\"name\": \"now\"}</tool_call>", "", ("now", "{}")),
        new("hermes truncated call stays text", ToolCallFormat.Hermes, "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"argu",
            "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"argu"),
        new("hermes arguments not an object stay text", ToolCallFormat.Hermes, "<tool_call>{\"name\": \"f\", \"arguments\": \"x\"}</tool_call>",
            "<tool_call>{\"name\": \"f\", \"arguments\": \"x\"}</tool_call>"),
        new("hermes plain text is unchanged", ToolCallFormat.Hermes, " a < b and <tool but not a call.  \n", " a < b and <tool but not a call.  \n"),

        new("llama one call", ToolCallFormat.Llama3Json, """{"name": "get_weather", "parameters": {"city": "Paris"}}""", "",
            ("get_weather", """{"city": "Paris"}""")),
        new("llama python tag", ToolCallFormat.Llama3Json, """<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}""", "",
            ("get_weather", """{"city": "Paris"}""")),
        new("llama two calls and a semicolon in a string", ToolCallFormat.Llama3Json,
            """ {"name": "a", "parameters": {"x": 1}}; {"name": "b", "arguments": {"s": "semi;colon {brace}"}}""" + "\n", "",
            ("a", """{"x": 1}"""), ("b", """{"s": "semi;colon {brace}"}""")),
        new("llama json inside prose is text", ToolCallFormat.Llama3Json, """Here: {"name": "get_weather", "parameters": {}}""",
            """Here: {"name": "get_weather", "parameters": {}}"""),
        new("llama json data is text", ToolCallFormat.Llama3Json, """{"name": "Bob", "age": 3}""", """{"name": "Bob", "age": 3}"""),
        new("llama unbalanced json is text", ToolCallFormat.Llama3Json, """{"name": "f", "parameters": {"city": "Paris"}""",
            """{"name": "f", "parameters": {"city": "Paris"}"""),
        new("llama call then prose is text", ToolCallFormat.Llama3Json, """{"name": "f", "parameters": {}} and more""",
            """{"name": "f", "parameters": {}} and more"""),
        new("llama both parameters and arguments is text", ToolCallFormat.Llama3Json, """{"name": "f", "parameters": {}, "arguments": {}}""",
            """{"name": "f", "parameters": {}, "arguments": {}}"""),
        new("llama plain answer", ToolCallFormat.Llama3Json, "It is sunny.\n", "It is sunny.\n"),

        new("deepseek one call as its template renders it", ToolCallFormat.DeepSeek,
            $"{B}{CB}function{S}get_weather\n```json\n{{\"city\": \"Paris\"}}\n```{CE}", "", ("get_weather", """{"city": "Paris"}""")),
        new("deepseek text, two calls, end, text", ToolCallFormat.DeepSeek,
            $"I will look both up.{B}{CB}function{S}get_weather\n```json\n{{\"city\": \"Paris\"}}\n```{CE}\n"
            + $"{CB}function{S}get_time\n```json\n{{\"zone\": \"CET\"}}\n```{CE}{E}Then compare.",
            "I will look both up.\nThen compare.", ("get_weather", """{"city": "Paris"}"""), ("get_time", """{"zone": "CET"}""")),
        new("deepseek malformed call leaves the section as text", ToolCallFormat.DeepSeek,
            $"{B}{CB}function{S}a\n```json\n{{}}\n```{CE}{CB}function{S}b\n```json\n{{\"x\": \n```{CE}{E}",
            $"{B}{CB}function{S}a\n```json\n{{}}\n```{CE}{CB}function{S}b\n```json\n{{\"x\": \n```{CE}{E}"),
        new("deepseek other call type is text", ToolCallFormat.DeepSeek, $"{B}{CB}python{S}a\n```json\n{{}}\n```{CE}",
            $"{B}{CB}python{S}a\n```json\n{{}}\n```{CE}"),
        new("deepseek plain answer", ToolCallFormat.DeepSeek, "</think>\n\nThe answer is 4.", "</think>\n\nThe answer is 4."),
    ];

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static Case Get(string name) => All.Single(c => c.Name == name);

    /// <summary>Call ids 0, 1, 2, ... so results of separate runs compare equal.</summary>
    public static Func<string> Counter()
    {
        int next = 0;
        return () => $"call_{next++}";
    }
}
